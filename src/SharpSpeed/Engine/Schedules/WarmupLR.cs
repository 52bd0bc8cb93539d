using SharpSpeed.Engine.Config;

namespace SharpSpeed.Engine.Schedules;

/// <summary>
/// DeepSpeed's WarmupLR: from warmup_min_lr to warmup_max_lr over warmup_num_steps (log or linear), then constant.
/// Before the first scheduler step (iteration -1) the rate is warmup_min_lr.
/// </summary>
public sealed class WarmupLR(double warmupMinLr, double warmupMaxLr, long warmupNumSteps, WarmupShape warmupType = WarmupShape.Log)
    : ILearningRateSchedule
{
    private readonly DeepSpeedWarmup _warmup = new(PositiveSteps(warmupNumSteps), warmupType);

    public double MinLr { get; } = warmupMinLr;

    public double MaxLr { get; } = warmupMaxLr;

    public double LearningRate(long appliedSteps)
    {
        var iteration = DeepSpeedWarmup.Iteration(appliedSteps);
        if (iteration < 0)
        {
            return MinLr;
        }
        var gamma = _warmup.InWarmup(iteration) ? _warmup.Gamma(iteration) : 1.0;
        return MinLr + (MaxLr - MinLr) * gamma;
    }

    internal static long PositiveSteps(long steps) =>
        steps > 0 ? steps : throw new ArgumentOutOfRangeException(nameof(steps), steps, "warmup_num_steps must be a positive integer");
}
