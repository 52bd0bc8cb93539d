using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Tests.EngineParity;
using TorchSharp;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// Data-parallel and ZeRO training over real mpirun ranks gives the weights of one process training on the same
/// global batch. The fp32 truth is <see cref="ReferenceTraining"/> (TorchSharp's AdamW and clip_grad_norm_ on the whole
/// batch, no engine); the bf16 truth is the engine itself on one process with the same accumulation, since bf16
/// rounding of a differently split batch is the only difference that is allowed.
/// </summary>
[Collection(EngineParityGroup.Name)]
public sealed class EngineParityTests(EngineParityFixture fixture, ITestOutputHelper output)
{
    /// <summary>fp32: 1e-5 relative plus a small absolute term for near-zero weights (summation order differs across ranks).</summary>
    private const double Fp32Rtol = 1e-5, Fp32Atol = 1e-6;

    /// <summary>
    /// bf16: DeepSpeed's mixed-precision engine tests compare with RTOL 0.01. Near-zero weights also need an absolute
    /// term: Adam normalises each step, so a bf16 rounding difference in a tiny gradient can move a weight by up to
    /// about one learning rate; the term is half the peak rate (5e-3).
    /// </summary>
    private const double Bf16Rtol = 1e-2, Bf16Atol = ParitySetup.BaseLearningRate / 2;

    public static TheoryData<int, string> Fp32Runs() => RunsWhere(run => run.Contains("fp32", StringComparison.Ordinal));

    public static TheoryData<int, string> MixedPrecisionRuns() => RunsWhere(run => !run.Contains("fp32", StringComparison.Ordinal));

    [Theory]
    [MemberData(nameof(Fp32Runs))]
    public void Fp32RanksMatchOneProcessOnTheSameGlobalBatch(int world, string run)
    {
        var reports = fixture.Reports(world, run);
        AssertRanksAgree(reports);
        Assert.Equal(0, reports[0].Skipped);
        Assert.Contains(reports[0].GradNorms, norm => norm > ParitySetup.MaxGradNorm); // clipping did act
        var (maxAbs, worst) = EngineRunReport.Compare(reports[0].Weights, ReferenceTraining.Fp32Weights, Fp32Rtol, Fp32Atol);
        output.WriteLine($"{run} at {world} ranks: max |diff| {maxAbs:E2}, worst diff / (atol + rtol|ref|) {worst:F3}");
        Assert.True(worst <= 1, $"{run} at {world} ranks: max |diff| {maxAbs:E2} exceeds {Fp32Atol} + {Fp32Rtol} |ref| (ratio {worst:F2})");
    }

    [Theory]
    [MemberData(nameof(MixedPrecisionRuns))]
    public void SixteenBitRanksMatchOneProcessWithinDeepSpeedTolerance(int world, string run)
    {
        var reports = fixture.Reports(world, run);
        AssertRanksAgree(reports);
        Assert.Equal(0, reports[0].Skipped);
        var single = RunInProcess(run);
        var (maxAbs, worst) = EngineRunReport.Compare(reports[0].Weights, single, Bf16Rtol, Bf16Atol);
        output.WriteLine($"{run} at {world} ranks vs 1 process: max |diff| {maxAbs:E2}, worst ratio {worst:F3}");
        Assert.True(worst <= 1, $"{run} at {world} ranks: max |diff| {maxAbs:E2} exceeds {Bf16Atol} + {Bf16Rtol} |ref| (ratio {worst:F2})");
        // And 16-bit training stays near fp32 training, so the comparison above is not between two broken runs.
        var (toFp32, _) = EngineRunReport.Compare(single, ReferenceTraining.Fp32Weights, Bf16Rtol, Bf16Atol);
        Assert.True(toFp32 < 0.05, $"{run}: 16-bit training drifted {toFp32:E2} from fp32 training");
    }

    [Theory]
    [InlineData("s0-a1-fp32")]
    [InlineData("s0-a4-fp32-overlap")]
    [InlineData("s1-a4-fp32")]
    [InlineData("s2-a4-fp32-overlap")]
    [InlineData("s3-a2-fp32-overlap")]
    [InlineData("s3-a1-fp32-offopt-offparam")]
    public void OneProcessEngineMatchesPlainTorchSharpTraining(string run)
    {
        var weights = RunInProcess(run);
        var (maxAbs, worst) = EngineRunReport.Compare(weights, ReferenceTraining.Fp32Weights, Fp32Rtol, Fp32Atol);
        output.WriteLine($"{run} on 1 process: max |diff| {maxAbs:E2}");
        Assert.True(worst <= 1, $"{run} on one process: max |diff| {maxAbs:E2} (ratio {worst:F2})");
    }

    internal static Dictionary<string, float[]> RunInProcess(string run)
    {
        using var scope = NewDisposeScope();
        using var group = new SingleProcessGroup();
        using var model = ParitySetup.CreateModel(ParitySetup.ModelType(run));
        using var engine = new TrainingEngine(model, ParitySetup.Options(run), group);
        ParitySetup.Train(model, engine, run, rank: 0, world: 1);
        var weights = engine.ConsolidatedWeights();
        var result = weights.ToDictionary(w => w.Key, w => w.Value.reshape(-1).data<float>().ToArray(), StringComparer.Ordinal);
        foreach (var tensor in weights.Values)
        {
            tensor.Dispose();
        }
        return result;
    }

    private static void AssertRanksAgree(IReadOnlyList<EngineRunReport> reports)
    {
        foreach (var other in reports.Skip(1))
        {
            foreach (var (name, values) in reports[0].Weights)
            {
                Assert.True(values.AsSpan().SequenceEqual(other.Weights[name]), $"ranks disagree on {name}");
            }
            Assert.Equal(reports[0].GradNorms, other.GradNorms);
        }
    }

    private static TheoryData<int, string> RunsWhere(Func<string, bool> predicate)
    {
        var data = new TheoryData<int, string>();
        foreach (var (world, runs) in EngineParityFixture.Runs)
        {
            foreach (var run in runs.Where(predicate))
            {
                data.Add(world, run);
            }
        }
        return data;
    }
}
