using System.Diagnostics;
using System.Globalization;
using SharpSpeed.IO;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Tests.Comm;
using SharpSpeed.Training;

namespace SharpSpeed.Tests.Training;

/// <summary>
/// LoRA training end to end: the adapter learns, the output and each checkpoint are PEFT adapter folders, and
/// `launch --nproc_per_node 2 train --lora_r …` under real mpirun (ZeRO-2) ends with the adapter one rank trains on the
/// same global batch.
/// </summary>
public sealed class LoraTrainingTests : IDisposable
{
    private const int Steps = 6;
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll");
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-lora-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TwoRankLoraTrainingLearnsAndMatchesOneRank(int zeroStage)
    {
        var single = new TrainingArguments
        {
            ModelNameOrPath = SmallTrainingModel.Folder, OutputDir = Path.Combine(_root, "one"), MaxSteps = Steps,
            PerDeviceTrainBatchSize = 4, LearningRate = 1e-2, AdamEpsilon = 1e-3, LrSchedulerType = "constant", MaxSeqLength = 64,
            LoggingSteps = 1, SaveSteps = Steps, ReportTo = "none", Seed = 11,
            LoraR = 8, LoraAlpha = 16, LoraTargetModules = LoraConfig.AllLinear,
        };
        var outcome = new Trainer(single, new HashSet<string>(), TextWriter.Null, interactive: false).Run();
        Assert.True(outcome.Summary.LastLoss < outcome.Summary.FirstLoss - 0.05,
            $"LoRA did not learn: loss {outcome.Summary.FirstLoss} -> {outcome.Summary.LastLoss}");
        foreach (var folder in (string[])[single.OutputDir, Path.Combine(single.OutputDir, $"checkpoint-{Steps}")])
        {
            Assert.True(File.Exists(Path.Combine(folder, AdapterFolder.ConfigFileName)), $"{folder} has no adapter_config.json");
            Assert.False(File.Exists(Path.Combine(folder, "model.safetensors")), $"{folder} holds a full model, not just the adapter");
        }

        var config = Path.Combine(_root, "zero.json");
        File.WriteAllText(config, $$"""
            {
              "train_micro_batch_size_per_gpu": "auto",
              "gradient_accumulation_steps": "auto",
              "gradient_clipping": "auto",
              "zero_optimization": { "stage": {{zeroStage}}, "reduce_bucket_size": 20000, "allgather_bucket_size": 20000 }
            }
            """);
        var output = Path.Combine(_root, "two");
        Launch(config, output);

        var expected = Adapter(single.OutputDir);
        var actual = Adapter(output);
        Assert.Equal(expected.Keys.Order(), actual.Keys.Order());
        var moved = 0;
        foreach (var (name, reference) in expected)
        {
            // As DistributedTrainingTests: float32, other summation order; Adam eps 1e-3 keeps rounding noise still.
            var excess = SmallTrainingModel.ExcessOverTolerance(actual[name], reference);
            Assert.True(excess <= 0, $"{name}: beyond 1e-5 relative + 1e-6 absolute by {excess}");
            moved += name.EndsWith(".lora_B.weight", StringComparison.Ordinal) && reference.abs().max().item<float>() > 0 ? 1 : 0;
        }
        Assert.True(moved > 0, "no lora_B moved away from zero");
    }

    private static Dictionary<string, TorchSharp.torch.Tensor> Adapter(string folder) =>
        SafetensorsReader.Load(Path.Combine(folder, AdapterFolder.WeightsFileName));

    private static void Launch(string config, string output)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Cli, "launch", "--nproc_per_node", "2", "train",
                     "--model_name_or_path", SmallTrainingModel.Folder, "--output_dir", output,
                     "--max_steps", Steps.ToString(CultureInfo.InvariantCulture), "--per_device_train_batch_size", "2",
                     "--learning_rate", "1e-2", "--adam_epsilon", "1e-3", "--lr_scheduler_type", "constant", "--max_seq_length", "64",
                     "--logging_steps", "1", "--save_steps", "0", "--report_to", "none", "--seed", "11", "--deepspeed", config,
                     "--lora_r", "8", "--lora_alpha", "16", "--lora_target_modules", "all-linear"])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["OMPI_MCA_btl"] = "self,vader";
        info.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        var (exitCode, log) = MpiJob.RunToEnd(info, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"launch exited with {exitCode}:\n{log}");
    }
}
