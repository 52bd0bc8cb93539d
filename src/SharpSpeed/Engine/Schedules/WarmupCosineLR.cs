using SharpSpeed.Engine.Config;

namespace SharpSpeed.Engine.Schedules;

/// <summary>
/// DeepSpeed's WarmupCosineLR, as ratios of the optimizer's rate: warm-up from warmup_min_ratio to 1 (log or linear),
/// then a half cosine from 1 to cos_min_ratio at total_num_steps, held there afterwards. Rate 0 before the first step.
/// </summary>
public sealed class WarmupCosineLR(
    double baseLearningRate, long totalNumSteps, double warmupMinRatio = 0.0, long warmupNumSteps = 1000,
    double cosMinRatio = 0.0001, WarmupShape warmupType = WarmupShape.Log)
    : ILearningRateSchedule
{
    private readonly DeepSpeedWarmup _warmup = new(WarmupLR.PositiveSteps(warmupNumSteps), warmupType);

    public double BaseLearningRate { get; } = baseLearningRate;

    public long TotalNumSteps { get; } = totalNumSteps;

    public double LearningRate(long appliedSteps) => BaseLearningRate * Ratio(DeepSpeedWarmup.Iteration(appliedSteps));

    private double Ratio(long iteration)
    {
        if (iteration < 0)
        {
            return 0.0;
        }
        if (_warmup.InWarmup(iteration))
        {
            return warmupMinRatio + _warmup.Gamma(iteration) * (1.0 - warmupMinRatio);
        }
        var realLastStep = iteration - _warmup.Steps + 1;
        var realTotalSteps = Math.Max(1, TotalNumSteps - _warmup.Steps);
        var progress = Math.Min(1.0, (double)realLastStep / realTotalSteps);
        var cosine = (1 + Math.Cos(Math.PI * progress)) / 2;
        return Math.Max(0.0, cosMinRatio + (1.0 - cosMinRatio) * cosine);
    }
}
