using SharpSpeed.Engine.Config;

namespace SharpSpeed.Engine.Schedules;

/// <summary>
/// DeepSpeed's WarmupDecayLR: WarmupLR's warm-up, then linear decay from warmup_max_lr to warmup_min_lr at
/// total_num_steps: gamma = max(0, (total - it) / max(1, total - warmup)).
/// </summary>
public sealed class WarmupDecayLR(
    long totalNumSteps, double warmupMinLr, double warmupMaxLr, long warmupNumSteps, WarmupShape warmupType = WarmupShape.Log)
    : ILearningRateSchedule
{
    private readonly DeepSpeedWarmup _warmup = new(WarmupLR.PositiveSteps(warmupNumSteps), warmupType);

    public long TotalNumSteps { get; } = totalNumSteps;

    public double MinLr { get; } = warmupMinLr;

    public double MaxLr { get; } = warmupMaxLr;

    public double LearningRate(long appliedSteps)
    {
        var iteration = DeepSpeedWarmup.Iteration(appliedSteps);
        if (iteration < 0)
        {
            return MinLr;
        }
        var gamma = _warmup.InWarmup(iteration)
            ? _warmup.Gamma(iteration)
            : Math.Max(0.0, (double)(TotalNumSteps - iteration) / Math.Max(1.0, TotalNumSteps - _warmup.Steps));
        return MinLr + (MaxLr - MinLr) * gamma;
    }
}
