using SharpSpeed.Planning;
using SharpSpeed.Tests.EngineParity;
using Xunit.Abstractions;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// `estimate`'s per-rank layout (Planning's formulas, from the model config alone) against the bytes the engine really
/// held in the 2-rank parity runs (its memory ledger: every buffer, at each kind's high-water mark): within 5% for
/// stages 0-2, within 10% for the stage-3, offload and mixed-precision recipes, whose transient terms (gathered
/// units, buckets) the formulas bound rather than trace.
/// </summary>
[Collection(EngineParityGroup.Name)]
public sealed class EstimateVersusMeasuredTests(EngineParityFixture fixture, ITestOutputHelper output)
{
    [Theory]
    [InlineData("s0-a1-fp32", 0.05)]
    [InlineData("s1-a1-fp32", 0.05)]
    [InlineData("s2-a1-fp32", 0.05)]
    [InlineData("s3-a1-fp32", 0.10)]
    [InlineData("s3-a4-fp32-overlap", 0.10)]
    [InlineData("s2-a2-fp32-offopt", 0.10)]
    [InlineData("s3-a2-fp32-offopt-offparam", 0.10)]
    [InlineData("s2-a4-bf16", 0.10)]
    [InlineData("s3-a2-bf16", 0.10)]
    public void EstimateMatchesTheEnginesLedgerAtTwoRanks(string run, double tolerance)
    {
        const int world = 2;
        var options = ParitySetup.Options(run);
        var settings = new LayoutSettings
        {
            World = world,
            Stage = options.ZeroStage,
            Dtype = run.Contains("bf16", StringComparison.Ordinal) ? TrainingDtype.Bf16 : TrainingDtype.Fp32,
            OffloadOptimizer = options.OffloadOptimizer is not null,
            OffloadParam = options.OffloadParam is not null,
            DdpBucketCapBytes = options.DdpBucketCapBytes,
            ReduceBucketSize = options.ReduceBucketSize,
            AllgatherBucketSize = options.AllgatherBucketSize,
            OverlapComm = options.OverlapComm,
            Stage3MaxLiveParameters = options.Stage3.MaxLiveParameters,
            Stage3ParamPersistenceThreshold = options.Stage3.ParamPersistenceThreshold,
        };
        var planned = ModelStateLayout.PerRank(ParitySetup.Config, settings);
        var memory = fixture.RawReports(world)[0].GetProperty("runs").GetProperty(run).GetProperty("memory");
        long Measured(string kind) => memory.GetProperty(kind).GetInt64();
        var measured = Measured("Parameters") + Measured("Gradients") + Measured("MasterWeights") + Measured("OptimizerStates") + Measured("Buckets");
        var estimate = planned.DeviceBytes + planned.HostBytes;
        output.WriteLine($"{run}: estimate {estimate:F0} B, measured {measured} B ({(estimate / measured - 1) * 100:+0.0;-0.0}%)");
        foreach (var kind in planned.Kinds)
        {
            output.WriteLine($"  {kind.Kind}: {kind.DeviceBytes + kind.HostBytes:F0} B = {kind.Formula}");
        }
        output.WriteLine($"  measured: {memory}");
        Assert.InRange(estimate / measured, 1 - tolerance, 1 + tolerance);
    }
}
