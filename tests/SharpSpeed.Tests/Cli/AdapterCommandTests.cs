using System.Text.Json.Nodes;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Tests.Data;
using SharpSpeed.Tests.Training;
using SharpSpeed.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Cli;

/// <summary>A trained LoRA adapter through the commands: `generate --adapter` equals `generate` of the `convert`-merged folder; resume is exact.</summary>
[Collection(GlobalRandomState.Name)]
public sealed class AdapterCommandTests
{
    [Fact]
    public void GenerateWithAdapterEqualsTheMergedFolderAndResumeIsBitExact()
    {
        using var root = new TempFolder();
        TrainingArguments Run(string name, int steps, int save, string? resume = null) => new()
        {
            ModelNameOrPath = SmallTrainingModel.Folder, OutputDir = Path.Combine(root.Path, name), MaxSteps = steps,
            PerDeviceTrainBatchSize = 4, LearningRate = 2e-2, LrSchedulerType = "constant", MaxSeqLength = 64, LoggingSteps = 1,
            SaveSteps = save, ReportTo = "none", Seed = 7, LoraR = 4, LoraAlpha = 8, LoraDropout = 0.1,
            LoraTargetModules = "q_proj,v_proj,down_proj", ResumeFromCheckpoint = resume,
        };
        var straight = Run("straight", 4, 0);
        new Trainer(straight, new HashSet<string>(), TextWriter.Null, interactive: false).Run();
        new Trainer(Run("resumed", 2, 2), new HashSet<string>(), TextWriter.Null, interactive: false).Run();
        new Trainer(Run("resumed", 4, 0, "true"), new HashSet<string>(), TextWriter.Null, interactive: false).Run();
        var expected = SafetensorsReader.Load(Path.Combine(straight.OutputDir, AdapterFolder.WeightsFileName));
        foreach (var (name, weight) in SafetensorsReader.Load(Path.Combine(root.Path, "resumed", AdapterFolder.WeightsFileName)))
        {
            Assert.True(weight.bytes.SequenceEqual(expected[name].bytes), $"{name} differs after resuming a LoRA run");
        }

        var merged = Path.Combine(root.Path, "merged");
        var (code, _, error) = CliRunner.Run("convert", "--model", SmallTrainingModel.Folder, "--adapter", straight.OutputDir, "--output", merged);
        Assert.True(code == 0, error);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(merged, "config.json")))!;
        Assert.Equal("float32", (string?)config["torch_dtype"]);
        var baseWeights = SafetensorsReader.Load(Path.Combine(SmallTrainingModel.Folder, "model.safetensors"));
        var mergedWeights = SafetensorsReader.Load(Path.Combine(merged, "model.safetensors"));
        Assert.Equal(baseWeights.Keys.Order(), mergedWeights.Keys.Order());
        // W0 + alpha/r * B A for the adapted modules (independent of the merge code: from the two files).
        var adapter = SafetensorsReader.Load(Path.Combine(straight.OutputDir, AdapterFolder.WeightsFileName));
        const string module = "model.layers.1.mlp.down_proj";
        using var scale = 2.0.ToScalar();
        using var reference = baseWeights[module + ".weight"].add(
            adapter[$"base_model.model.{module}.lora_B.weight"].matmul(adapter[$"base_model.model.{module}.lora_A.weight"]).mul(scale),
            HeldScalars.One);
        Assert.True(mergedWeights[module + ".weight"].allclose(reference, rtol: 1e-6, atol: 1e-7));
        Assert.True(mergedWeights["model.layers.0.self_attn.k_proj.weight"].equal(baseWeights["model.layers.0.self_attn.k_proj.weight"]).all().item<bool>());

        string[] prompt = ["--prompt", "Hello there", "--max_new_tokens", "12", "--temperature", "0", "--json"];
        var (adapterCode, withAdapter, adapterError) = CliRunner.Run(["generate", "--model", SmallTrainingModel.Folder, "--adapter", straight.OutputDir, .. prompt]);
        var (mergedCode, fromMerged, mergedError) = CliRunner.Run(["generate", "--model", merged, .. prompt]);
        Assert.True(adapterCode == 0 && mergedCode == 0, adapterError + mergedError);
        Assert.Equal(JsonNode.Parse(fromMerged)!["output_ids"]!.ToJsonString(), JsonNode.Parse(withAdapter)!["output_ids"]!.ToJsonString());
    }
}

/// <summary>
/// Tests whose result depends on torch's process-wide generator between steps (dropout across a resume): they run
/// alone, after the parallel tests, so no other test draws from it meanwhile.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class GlobalRandomState
{
    public const string Name = "torch's global random state";
}
