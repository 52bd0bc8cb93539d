using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Tests.Engine.Precision;

/// <summary>Replays overflow / no-overflow sequences; the expected scales were derived by hand from DeepSpeed's update_scale.</summary>
public sealed class DynamicLossScalerTests
{
    private const string Prefix = "[deepspeed] OVERFLOW! Rank 0 Skipping step. ";

    [Fact]
    public void HysteresisDelaysHalvingAndTheWindowDoublesTheScale()
    {
        var log = new List<string>();
        var scaler = new DynamicLossScaler(new DynamicLossScalerOptions(InitScale: 16, ScaleWindow: 3, MinScale: 1, DelayedShift: 2), 0, log.Add);
        bool[] overflows = [true, true, false, false, false, false, true, false, true, true, true, true];
        // it0: hysteresis 2 -> 1, scale kept. it1: hysteresis is 1 -> halve. it2-4: stable 0,1,2. it5: stable 3 = window ->
        // double, hysteresis refilled to 2. it6: 2 -> 1. it7: stable 0. it8-11: halve each time down to min 1.
        double[] expected = [16, 8, 8, 8, 8, 16, 16, 16, 8, 4, 2, 1];
        var scales = new List<double>();
        foreach (var overflow in overflows)
        {
            scaler.UpdateScale(overflow);
            scales.Add(scaler.LossScale);
        }
        Assert.Equal(expected, scales);
        Assert.Equal(
        [
            Prefix + "Attempted loss scale: 16, but hysteresis is 2. Reducing hysteresis to 1",
            Prefix + "Attempted loss scale: 16, reducing to 8",
            Prefix + "Attempted loss scale: 16, but hysteresis is 2. Reducing hysteresis to 1",
            Prefix + "Attempted loss scale: 16, reducing to 8",
            Prefix + "Attempted loss scale: 8, reducing to 4",
            Prefix + "Attempted loss scale: 4, reducing to 2",
            Prefix + "Attempted loss scale: 2, reducing to 1",
        ], log);

        // Overflow at the minimum scale with no hysteresis left ends the run, as in DeepSpeed.
        var error = Assert.Throws<LossScaleAtMinimumException>(() => scaler.UpdateScale(true));
        Assert.Equal("Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.", error.Message);
    }

    [Fact]
    public void ConsecutiveHysteresisRefillsAfterEveryCleanStep()
    {
        var log = new List<string>();
        var scaler = new DynamicLossScaler(
            new DynamicLossScalerOptions(InitScale: 8, ScaleWindow: 2, MinScale: 2, DelayedShift: 2, ConsecutiveHysteresis: true), 0, log.Add);
        bool[] overflows = [true, false, true, true, true, false, false, false, true, true];
        // it0: hyst 2->1. it1: refill to 2. it2: 2->1. it3: halve 8->4. it4: halve to max(2, 2). it5: refill, stable 0.
        // it6: stable 1. it7: stable 2 = window -> 4. it8: hyst 2->1. it9: halve -> 2.
        double[] expected = [8, 8, 8, 4, 2, 2, 2, 4, 4, 2];
        var scales = overflows.Select(o =>
        {
            scaler.UpdateScale(o);
            return scaler.LossScale;
        }).ToArray();
        Assert.Equal(expected, scales);
        Assert.Equal(4, log.Count(l => l == "Consecutive hysteresis is enabled. Restoring hysteresis to 2"));
        Assert.Throws<LossScaleAtMinimumException>(() => scaler.UpdateScale(true));
    }

    [Fact]
    public void HalvingStopsAtTheMinimumBeforeFailing()
    {
        var scaler = new DynamicLossScaler(new DynamicLossScalerOptions(InitScale: 8, ScaleWindow: 1000, MinScale: 3, DelayedShift: 1));
        scaler.UpdateScale(true);
        scaler.UpdateScale(true);
        Assert.Equal(3, scaler.LossScale); // max(4 / 2, 3)
        Assert.Throws<LossScaleAtMinimumException>(() => scaler.UpdateScale(true));
    }

    [Fact]
    public void OnlyRankZeroLogs()
    {
        var log = new List<string>();
        var scaler = new DynamicLossScaler(new DynamicLossScalerOptions(InitScale: 4, DelayedShift: 1), rank: 2, log.Add);
        scaler.UpdateScale(true);
        Assert.Equal(2, scaler.LossScale);
        Assert.Empty(log);
    }

    [Fact]
    public void StateRoundTripsThroughACheckpoint()
    {
        var options = new DynamicLossScalerOptions(InitScale: 16, ScaleWindow: 3, DelayedShift: 2);
        var original = new DynamicLossScaler(options);
        var resumed = new DynamicLossScaler(options);
        bool[] before = [true, false, false], after = [false, true, true, false, false, false, false];
        foreach (var overflow in before)
        {
            original.UpdateScale(overflow);
        }
        resumed.Restore(original.State);
        foreach (var overflow in after)
        {
            original.UpdateScale(overflow);
            resumed.UpdateScale(overflow);
            Assert.Equal(original.State, resumed.State);
        }
    }

    [Fact]
    public void ConfigChoosesTheScalerAsDeepSpeedDoes()
    {
        var seed = DeepSpeedConfigParser.Parse(DeepSpeedFile.Read(RepositoryFiles.Path("examples/ds_config_zero2.json")), worldSize: 1);
        var dynamic = Assert.IsType<DynamicLossScaler>(LossScalers.Create(seed.Precision, seed.Fp16));
        Assert.Equal(65536, dynamic.LossScale);
        Assert.Equal(2, dynamic.CurHysteresis);
        Assert.Equal(128, LossScalers.Create(TrainingPrecision.Fp16, new Fp16Config(Enabled: true, LossScale: 128)).LossScale);
        Assert.Equal(1, LossScalers.Create(TrainingPrecision.Bf16, new Fp16Config()).LossScale);
    }
}
