using System.Diagnostics;
using System.Globalization;
using SharpSpeed.Tests.Comm;
using SharpSpeed.Training;
using SharpSpeed.Training.Checkpoints;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Training;

/// <summary>
/// `sharpspeed launch --nproc_per_node 2 train --deepspeed (ZeRO-2, or ZeRO-3 with CPU offload)` end to end under real
/// mpirun, against the same global batch trained by one in-process rank; then its ZeRO shards consolidated by convert.
/// </summary>
public sealed class DistributedTrainingTests : IDisposable
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll");
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-distributed-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TwoRankZeroTrainingMatchesOneRankOnTheSameGlobalBatch(int stage)
    {
        const int steps = 4;
        var single = new TrainingArguments
        {
            ModelNameOrPath = SmallTrainingModel.Folder, OutputDir = Path.Combine(_root, "one"), MaxSteps = steps,
            PerDeviceTrainBatchSize = 4, LearningRate = 3e-3, AdamEpsilon = 1e-3, LrSchedulerType = "constant", MaxSeqLength = 64,
            LoggingSteps = 1, SaveSteps = 0, ReportTo = "none", Seed = 11,
        };
        new Trainer(single, new HashSet<string>(), TextWriter.Null, interactive: false).Run();

        var config = ZeroConfig(stage);
        var output = Path.Combine(_root, "two");
        Launch(config, output, steps, saveSteps: steps);

        var expected = SmallTrainingModel.Weights(single.OutputDir);
        var actual = SmallTrainingModel.Weights(output);
        foreach (var (name, reference) in expected)
        {
            // Same tokens, other summation order and thread count: float32 rounding. Adam divides by sqrt(v) + eps, which
            // turns rounding noise on a near-zero gradient into a full-size step; eps 1e-3 (both runs) keeps such
            // weights still, so what is compared is the data, loss normalisation and reduction, at 1e-5.
            var excess = SmallTrainingModel.ExcessOverTolerance(actual[name], reference);
            Assert.True(excess <= 0, $"{name}: beyond 1e-5 relative + 1e-6 absolute by {excess}");
        }

        var report = File.ReadAllText(Path.Combine(output, "report.md"));
        Assert.Contains($"| ZeRO stage | {stage} |", report);
        Assert.Contains("| ranks | 2 x cpu |", report);
        Assert.Matches(@"\n\| 1 \| [0-9.]+ [kMG]?B \|", report);

        // ZeRO-3 without stage3_gather_16bit_weights_on_model_save: the checkpoint's weights are its shards alone.
        Assert.Equal(stage < 3, File.Exists(Path.Combine(output, $"checkpoint-{steps}", "model.safetensors")));
        var converted = Path.Combine(_root, "converted");
        CheckpointConsolidator.Consolidate(Path.Combine(output, $"checkpoint-{steps}"), converted, ScalarType.Float32);
        foreach (var (name, weight) in SmallTrainingModel.Weights(converted))
        {
            Assert.True(weight.bytes.SequenceEqual(actual[name].bytes), $"{name}: consolidated shards differ from the trained model");
        }
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void TwoRankZeroResumeFromItsShardsIsBitExact(int stage)
    {
        var config = ZeroConfig(stage);
        var straight = Path.Combine(_root, "straight");
        Launch(config, straight, steps: 4, saveSteps: 0);
        var resumed = Path.Combine(_root, "resumed");
        Launch(config, resumed, steps: 2, saveSteps: 2);
        Launch(config, resumed, steps: 4, saveSteps: 0, "--resume_from_checkpoint", "true");
        var expected = SmallTrainingModel.Weights(straight);
        foreach (var (name, weight) in SmallTrainingModel.Weights(resumed))
        {
            Assert.True(weight.bytes.SequenceEqual(expected[name].bytes), $"{name} differs after a 2-rank resume");
        }
    }

    private string ZeroConfig(int stage)
    {
        var config = Path.Combine(_root, $"zero{stage}.json");
        var zero = stage < 3
            ? """{ "stage": 2, "reduce_bucket_size": 40000, "allgather_bucket_size": 40000 }"""
            : """
              { "stage": 3, "reduce_bucket_size": 40000, "allgather_bucket_size": 40000, "stage3_prefetch_bucket_size": 40000,
                "stage3_param_persistence_threshold": 1000, "offload_optimizer": { "device": "cpu", "pin_memory": true },
                "offload_param": { "device": "cpu" } }
              """;
        File.WriteAllText(config, $$"""
            {
              "train_micro_batch_size_per_gpu": "auto",
              "gradient_accumulation_steps": "auto",
              "gradient_clipping": "auto",
              "zero_optimization": {{zero}}
            }
            """);
        return config;
    }

    /// <summary>`sharpspeed launch --nproc_per_node 2 train` of the small model with the arguments both tests share.</summary>
    private static void Launch(string config, string output, int steps, int saveSteps, params string[] extra)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])[Cli, "launch", "--nproc_per_node", "2", "train",
                     "--model_name_or_path", SmallTrainingModel.Folder, "--output_dir", output,
                     "--max_steps", steps.ToString(CultureInfo.InvariantCulture), "--per_device_train_batch_size", "2",
                     "--learning_rate", "3e-3", "--adam_epsilon", "1e-3", "--lr_scheduler_type", "constant", "--max_seq_length", "64",
                     "--logging_steps", "1", "--save_steps", saveSteps.ToString(CultureInfo.InvariantCulture),
                     "--report_to", "none", "--seed", "11", "--deepspeed", config, .. extra])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["OMPI_MCA_btl"] = "self,vader";
        info.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        var (exitCode, log) = MpiJob.RunToEnd(info, TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"launch exited with {exitCode}:\n{log}");
    }
}
