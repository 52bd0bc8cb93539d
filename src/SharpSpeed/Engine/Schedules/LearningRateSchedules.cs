using SharpSpeed.Engine.Config;

namespace SharpSpeed.Engine.Schedules;

/// <summary>Builds the schedule a run uses: DeepSpeed's from a config's scheduler section, or HF's from the arguments.</summary>
public static class LearningRateSchedules
{
    /// <param name="optimizerLearningRate">The optimizer's rate: WarmupCosineLR scales it; the others use their own rates.</param>
    public static ILearningRateSchedule FromDeepSpeed(SchedulerConfig config, double optimizerLearningRate)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Type switch
        {
            DeepSpeedSchedulerType.WarmupLR =>
                new WarmupLR(config.WarmupMinLr, config.WarmupMaxLr, config.WarmupNumSteps, config.WarmupType),
            DeepSpeedSchedulerType.WarmupDecayLR =>
                new WarmupDecayLR(RequireTotal(config), config.WarmupMinLr, config.WarmupMaxLr, config.WarmupNumSteps, config.WarmupType),
            DeepSpeedSchedulerType.WarmupCosineLR =>
                new WarmupCosineLR(optimizerLearningRate, RequireTotal(config), config.WarmupMinRatio, config.WarmupNumSteps,
                    config.CosMinRatio, config.WarmupType),
            _ => throw new ArgumentOutOfRangeException(nameof(config), config.Type, "unknown DeepSpeed scheduler"),
        };
    }

    /// <summary>HF Trainer's schedule: warm-up steps from warmup_steps, else ceil(total * warmup_ratio).</summary>
    public static HuggingFaceSchedule FromHuggingFace(string lrSchedulerType, double learningRate, long warmupSteps, double warmupRatio,
        long totalSteps) =>
        new(HuggingFaceSchedule.ParseType(lrSchedulerType), learningRate,
            HuggingFaceSchedule.ResolveWarmupSteps(warmupSteps, warmupRatio, totalSteps), totalSteps);

    private static long RequireTotal(SchedulerConfig config) =>
        config.TotalNumSteps ?? throw new ArgumentException($"{config.Type} needs total_num_steps");
}
