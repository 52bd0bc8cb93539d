using System.Text.Json;

namespace SharpSpeed.Tests.Cli;

/// <summary>
/// `bench train --json`: one JSON object whose numbers agree with each other and with closed forms (parameter count,
/// PaLM's FLOPs per token, the loss ln(vocab) of a freshly initialised model); no timing is asserted.
/// </summary>
public sealed class BenchTrainCommandTests
{
    private const int Vocab = 64, Hidden = 32, Layers = 1, Heads = 2, Intermediate = 64, Sequence = 16, Batch = 2, Steps = 3;

    private static readonly string[] Shape =
    [
        "--vocab_size", "64", "--hidden_size", "32", "--num_layers", "1", "--num_heads", "2", "--intermediate_size", "64",
        "--seq_length", "16", "--batch_size", "2", "--steps", "3", "--warmup", "1", "--json",
    ];

    [Fact]
    public void OneRankReportsConsistentThroughputAndFlops()
    {
        var (exitCode, output, error) = CliRunner.Run(["bench", "train", .. Shape]);
        Assert.True(exitCode == 0, error);
        var report = JsonDocument.Parse(output.Trim()).RootElement; // exactly one object on stdout; the log went to stderr
        Assert.Contains("bench train: 1 rank(s)", error, StringComparison.Ordinal);
        CheckConsistent(report, worldSize: 1, zeroStage: 0);
        // In-process the thread count stays libtorch's own (no --threads, no launch budget).
        Assert.Equal(TorchSharp.torch.get_num_threads(), report.GetProperty("threads_per_rank").GetInt32());
    }

    [Fact]
    public async Task TwoLaunchedRanksUnderZero2WithOverlapReportTheGlobalTokens()
    {
        var (exitCode, output, error) = await LaunchedCli.RunAsync(["launch", "--nproc_per_node", "2", "bench", "train", .. Shape, "--zero_stage", "2", "--overlap_comm"]);
        Assert.True(exitCode == 0, output + error);
        var report = JsonDocument.Parse(output.Trim()).RootElement; // rank 0 only prints
        Assert.Equal("mpi", report.GetProperty("backend").GetString());
        Assert.True(report.GetProperty("overlap_comm").GetBoolean());
        CheckConsistent(report, worldSize: 2, zeroStage: 2);
        // The executable's runtimeconfig turns tiered compilation off (JitMode), and rank 0 says so once.
        Assert.Contains("jit: each method optimised on its first call", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ZeroThreeKnobsBoundTheGatheredParameters()
    {
        // 4 layers of 10,304 elements; with persistence 0, reuse distance 0 and a 1-element prefetch bucket, at most
        // the unit in use and the one prefetched are gathered next to the rank's half: less than one full replica.
        // With DeepSpeed's defaults every unit is reused within 1e9 elements (in backward), so all stay gathered.
        string[] deep = [.. Shape.Select((a, i) => i > 0 && Shape[i - 1] == "--num_layers" ? "4" : a)];
        string[] knobs = ["--stage3_prefetch_bucket_size", "1", "--stage3_param_persistence_threshold", "0", "--stage3_max_reuse_distance", "0"];
        const long replicaBytes = 4L * (2L * Vocab * Hidden + 4 * (4L * Hidden * Hidden + 3L * Hidden * Intermediate + 2 * Hidden) + Hidden);
        long ParameterBytes(string output, bool knobsSet)
        {
            var report = JsonDocument.Parse(output.Trim()).RootElement;
            Assert.Equal(knobsSet ? 0 : 1_000_000_000, report.GetProperty("stage3_max_reuse_distance").GetInt64());
            return report.GetProperty("memory_bytes").GetProperty("parameters").GetInt64();
        }

        var bounded = await LaunchedCli.RunAsync(["launch", "--nproc_per_node", "2", "bench", "train", .. deep, "--zero_stage", "3", .. knobs]);
        Assert.True(bounded.ExitCode == 0, bounded.Output + bounded.Error);
        var defaults = await LaunchedCli.RunAsync(["launch", "--nproc_per_node", "2", "bench", "train", .. deep, "--zero_stage", "3"]);
        Assert.True(defaults.ExitCode == 0, defaults.Output + defaults.Error);

        var boundedBytes = ParameterBytes(bounded.Output, knobsSet: true);
        Assert.InRange(boundedBytes, replicaBytes / 2, replicaBytes - 1);
        Assert.InRange(ParameterBytes(defaults.Output, knobsSet: false), replicaBytes * 3 / 2, replicaBytes * 3 / 2 + 4096);
    }

    [Fact]
    public void TheOpsProfileTimesEveryPartAndNamesTheFlagsItDoesNotUse()
    {
        var (exitCode, output, error) = CliRunner.Run(["bench", "train", .. Shape, "--ops", "--bf16"]);
        Assert.True(exitCode == 0, error);
        var parts = JsonDocument.Parse(output.Trim()).RootElement.GetProperty("parts").EnumerateArray().ToList();
        Assert.Contains(parts, p => p.GetProperty("part").GetString() == "whole model + loss, no engine");
        Assert.All(parts, p => Assert.True(p.GetProperty("forward_ms").GetDouble() >= 0));
        Assert.Contains("--bf16: no effect with --ops", error, StringComparison.Ordinal);
        Assert.Contains("--warmup: no effect with --ops", error, StringComparison.Ordinal);
        Assert.DoesNotContain("--steps: no effect", error, StringComparison.Ordinal);
        Assert.Contains("host allocator:", error, StringComparison.Ordinal);
    }

    [Fact]
    public void RejectsHiddenSizeNotDivisibleByHeads()
    {
        var (exitCode, _, error) = CliRunner.Run("bench", "train", "--hidden_size", "30", "--num_heads", "4", "--json");
        Assert.Equal(2, exitCode);
        Assert.Contains("--hidden_size 30 must be a positive multiple of --num_heads 4", error, StringComparison.Ordinal);
    }

    private static void CheckConsistent(JsonElement report, int worldSize, int zeroStage)
    {
        double Number(string name) => report.GetProperty(name).GetDouble();
        Assert.Equal(worldSize, report.GetProperty("world_size").GetInt32());
        Assert.Equal(zeroStage, report.GetProperty("zero_stage").GetInt32());
        // Embeddings and untied lm_head, per layer q/k/v/o + gate/up/down + two norms, the final norm.
        const long parameters = 2L * Vocab * Hidden + Layers * (4L * Hidden * Hidden + 3L * Hidden * Intermediate + 2 * Hidden) + Hidden;
        Assert.Equal(parameters, report.GetProperty("params").GetInt64());
        // PaLM: 6 x (N without the input embedding) + 12 x layers x hidden x seq.
        Assert.Equal(6.0 * (parameters - Vocab * Hidden) + 12.0 * Layers * Hidden * Sequence, Number("flops_per_token"));

        var tokens = report.GetProperty("tokens").GetInt64();
        Assert.Equal((long)Steps * Batch * Sequence * worldSize, tokens);
        var seconds = Number("elapsed_s");
        Assert.True(seconds > 0);
        Assert.Equal(tokens / seconds, Number("tokens_per_s"), 1e-3 * Number("tokens_per_s") + 0.1);
        Assert.Equal(seconds * 1000 / Steps, Number("step_ms"), 1e-3 * Number("step_ms") + 1e-3);
        Assert.Equal(Number("tokens_per_s") * Number("flops_per_token") / Number("peak_flops"), Number("mfu"), 1e-3 * Number("mfu") + 1e-6);
        // The phases are timed inside each step, so together they cannot exceed it.
        Assert.True(Number("forward_ms") + Number("backward_ms") + Number("optimizer_ms") <= Number("step_ms") * 1.001 + 1e-3);

        // Weights of std 0.02 give near-uniform predictions: cross-entropy ln(vocab); training on the fixed batch lowers it.
        Assert.Equal(Math.Log(Vocab), Number("loss_first"), 0.05);
        Assert.True(Number("loss_last") < Number("loss_first"), $"loss {Number("loss_first")} -> {Number("loss_last")}");
    }
}
