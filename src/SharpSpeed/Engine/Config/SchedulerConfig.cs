namespace SharpSpeed.Engine.Config;

/// <summary>DeepSpeed's learning-rate schedulers that SharpSpeed runs.</summary>
public enum DeepSpeedSchedulerType
{
    WarmupLR,
    WarmupDecayLR,
    WarmupCosineLR,
}

/// <summary>DeepSpeed's <c>warmup_type</c>: how the rate rises during warm-up.</summary>
public enum WarmupShape
{
    Log,
    Linear,
}

/// <summary>
/// The DeepSpeed <c>scheduler</c> section, resolved, with DeepSpeed's parameter names and defaults.
/// WarmupLR / WarmupDecayLR use the absolute rates; WarmupCosineLR uses the ratios of the optimizer's rate.
/// </summary>
public sealed record SchedulerConfig(
    DeepSpeedSchedulerType Type,
    double WarmupMinLr,
    double WarmupMaxLr,
    long WarmupNumSteps,
    WarmupShape WarmupType,
    long? TotalNumSteps,
    double WarmupMinRatio,
    double CosMinRatio);
