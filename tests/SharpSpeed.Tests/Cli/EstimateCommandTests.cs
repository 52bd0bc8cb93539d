using System.Text.Json;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

public sealed class EstimateCommandTests
{
    [Fact]
    public void JsonReproducesThePapersTable()
    {
        var (exitCode, output, error) = Run("estimate", "--params", "7.5e9", "--num_gpus", "64", "--zero_stage", "2", "--json");
        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.Equal(7_500_000_000L, root.GetProperty("params").GetInt64());
        Assert.Equal(64, root.GetProperty("num_gpus").GetInt32());
        var expected = new[] { 120.0, 31.4, 16.6, 1.9 };
        for (int stage = 0; stage < 4; stage++)
        {
            double paper = root.GetProperty("zero").GetProperty($"{stage}").GetProperty("paper_gb").GetDouble();
            Assert.Equal(expected[stage], Math.Round(paper, 1, MidpointRounding.AwayFromZero), 6);
        }
        Assert.Equal(JsonValueKind.Null, root.GetProperty("fits").ValueKind);
        Assert.Equal(JsonValueKind.Null, root.GetProperty("activations_gb").ValueKind);
    }

    [Fact]
    public void SeedSetupJsonSaysItDoesNotFitAndAdvises()
    {
        var (exitCode, output, error) = Run(
            "estimate", "--config=deepseek-llm-7b", "--num_gpus=3", "--zero_stage=2", "--gpu_memory_gb=24",
            "--micro_batch_size", "2", "--seq_length", "512", "--fp16", "--json");
        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.False(root.GetProperty("fits").GetBoolean());
        Assert.True(root.GetProperty("advice").GetArrayLength() > 0);
        Assert.Equal(2, root.GetProperty("zero_stage").GetInt32());
        Assert.True(root.GetProperty("activations_gb").GetDouble() > 0);
        var zero2 = root.GetProperty("zero").GetProperty("2");
        Assert.True(zero2.GetProperty("deepspeed_gb").GetDouble() > zero2.GetProperty("paper_gb").GetDouble());
    }

    [Fact]
    public void SeedSetupRecipesNameWhatFits()
    {
        var (exitCode, output, error) = Run(
            "estimate", "--config", "deepseek-llm-7b", "--num_gpus", "3", "--gpu_memory_gb", "24",
            "--per_device_train_batch_size", "2", "--max_seq_length", "512", "--gradient_accumulation_steps", "4", "--json");
        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var recipes = json.RootElement.GetProperty("recipes").EnumerateArray().ToList();
        bool Fits(int stage, bool offloadOptimizer, bool offloadParam, int? loraR, int bits) => recipes.Single(r =>
            r.GetProperty("zero_stage").GetInt32() == stage
            && r.GetProperty("offload_optimizer").GetBoolean() == offloadOptimizer
            && r.GetProperty("offload_param").GetBoolean() == offloadParam
            && !r.GetProperty("gradient_checkpointing").GetBoolean()
            && (r.GetProperty("lora_r").ValueKind == JsonValueKind.Null ? null : (int?)r.GetProperty("lora_r").GetInt32()) == loraR
            && r.GetProperty("bits").GetInt32() == bits).GetProperty("fits").GetBoolean();
        Assert.False(Fits(2, false, false, null, 16));
        Assert.True(Fits(2, true, false, null, 16));
        Assert.True(Fits(3, true, true, null, 16));
        Assert.True(Fits(0, false, false, 16, 16));
        Assert.True(Fits(0, false, false, 16, 4));
        Assert.True(recipes[0].GetProperty("fits").GetBoolean());
        Assert.All(recipes, r => Assert.True(r.GetProperty("gb_per_gpu").GetDouble() > 0));
    }

    [Fact]
    public void QloraSetupCountsTheFourBitBase()
    {
        var (exitCode, output, error) = Run(
            "estimate", "--config", "deepseek-llm-7b", "--num_gpus", "3", "--zero_stage", "0", "--lora_r", "16",
            "--bits", "4", "--gpu_memory_gb", "24", "--json");
        Assert.True(exitCode == 0, error);
        using var json = JsonDocument.Parse(output);
        var root = json.RootElement;
        Assert.True(root.GetProperty("fits").GetBoolean());
        var frozen = root.GetProperty("model_states").EnumerateArray().Single(k => k.GetProperty("name").GetString() == "frozen base");
        Assert.InRange(frozen.GetProperty("gpu_gb").GetDouble(), 4.5, 5.5);
    }

    [Fact]
    public void FourBitsWithoutLoraIsRefused()
    {
        var (exitCode, _, error) = Run("estimate", "--config", "deepseek-llm-7b", "--num_gpus", "3", "--bits", "4");
        Assert.Equal(2, exitCode);
        Assert.Contains("--lora_r", error, StringComparison.Ordinal);
    }

    [Fact]
    public void TableIsTheDefault()
    {
        var (exitCode, output, _) = Run("estimate", "--config", "deepseek-llm-7b", "--num_gpus", "3", "--gpu_memory_gb", "24");
        Assert.Equal(0, exitCode);
        Assert.Contains("Verdict: DOES NOT FIT", output, StringComparison.Ordinal);
        Assert.Contains("paper = ZeRO paper", output, StringComparison.Ordinal);
        Assert.Contains("fit, fastest first", output, StringComparison.Ordinal);
    }

    [Fact]
    public void ModelSourceIsRequired()
    {
        var (exitCode, _, error) = Run("estimate", "--num_gpus", "3");
        Assert.Equal(2, exitCode);
        Assert.Contains("--model_name_or_path", error, StringComparison.Ordinal);
    }

    [Fact]
    public void ParameterOffloadBelowStage3IsRejected()
    {
        var (exitCode, _, error) = Run("estimate", "--params", "1e9", "--num_gpus", "2", "--zero_stage", "2", "--offload", "all");
        Assert.Equal(2, exitCode);
        Assert.Contains("--zero_stage 3", error, StringComparison.Ordinal);
    }

    [Fact]
    public void PartialShapeFlagsNameWhatIsMissing()
    {
        var (exitCode, _, error) = Run("estimate", "--params", "1e9", "--num_gpus", "2", "--hidden_size", "2048");
        Assert.Equal(2, exitCode);
        Assert.Contains("--num_hidden_layers", error, StringComparison.Ordinal);
    }
}
