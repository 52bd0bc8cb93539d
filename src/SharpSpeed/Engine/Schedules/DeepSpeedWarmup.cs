using SharpSpeed.Engine.Config;

namespace SharpSpeed.Engine.Schedules;

/// <summary>
/// The warm-up curve shared by DeepSpeed's WarmupLR, WarmupDecayLR and WarmupCosineLR, in DeepSpeed's own indexing:
/// <c>last_batch_iteration</c> starts at -1 when the scheduler is built and grows by one after each applied optimizer
/// step, so optimizer step k runs with iteration k - 1. DeepSpeed raises warmup_num_steps below 2 to 2.
/// </summary>
internal readonly record struct DeepSpeedWarmup(long WarmupNumSteps, WarmupShape Shape)
{
    public long Steps => Math.Max(2, WarmupNumSteps);

    public static long Iteration(long appliedSteps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(appliedSteps);
        return appliedSteps - 1;
    }

    public bool InWarmup(long iteration) => iteration < Steps;

    /// <summary>The warm-up fraction at an iteration inside warm-up: log(it + 1) / log(N), or it / N.</summary>
    public double Gamma(long iteration) => Shape == WarmupShape.Log
        ? 1.0 / Math.Log(Steps) * Math.Log(iteration + 1)
        : (double)iteration / Steps;
}
