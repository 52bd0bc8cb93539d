using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Engine;

/// <summary>
/// Turns the run's settings into <see cref="EngineOptions"/> the way HF Trainer does: from TrainingArguments alone, or
/// with a DeepSpeed config whose sections (optimizer, scheduler, fp16 / bf16, gradient_clipping, batch sizes) take
/// over, each falling back to the TrainingArguments when the section is absent.
/// </summary>
public static class EngineOptionsFactory
{
    /// <param name="totalSteps">Optimizer steps of the whole run (for decaying schedules).</param>
    /// <param name="lrSchedulerType">HF's --lr_scheduler_type (linear by default).</param>
    public static EngineOptions FromTrainingArguments(HfTrainingValues arguments, long totalSteps, string lrSchedulerType = "linear",
        int rank = 0, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(arguments);
        if (arguments.Fp16 && arguments.Bf16)
        {
            throw new ArgumentException("--fp16 and --bf16 cannot both be set");
        }
        var precision = arguments.Fp16 ? TrainingPrecision.Fp16 : arguments.Bf16 ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;
        var schedule = LearningRateSchedules.FromHuggingFace(lrSchedulerType, arguments.LearningRate, arguments.WarmupSteps,
            arguments.WarmupRatio, totalSteps);
        // HF's native fp16 path uses torch's GradScaler; SharpSpeed uses DeepSpeed's dynamic scaler with its defaults.
        var scaler = LossScalers.Create(precision, new Fp16Config(Enabled: arguments.Fp16), rank, log);
        return new EngineOptions(precision, AdamFromArguments(arguments), schedule, scaler, arguments.MaxGradNorm,
            arguments.GradientAccumulationSteps);
    }

    /// <summary>Options under a DeepSpeed config (already parsed with the same <paramref name="arguments"/> filling "auto").</summary>
    public static EngineOptions FromDeepSpeed(DeepSpeedConfig config, HfTrainingValues arguments, long totalSteps,
        string lrSchedulerType = "linear", int rank = 0, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(arguments);
        var adam = config.Optimizer is { } o
            ? new AdamWOptions(o.Beta1, o.Beta2, o.Epsilon, o.WeightDecay, o.DecoupledWeightDecay, o.BiasCorrection)
            : AdamFromArguments(arguments);
        var learningRate = config.Optimizer?.LearningRate ?? arguments.LearningRate;
        ILearningRateSchedule schedule = config.Scheduler is { } s
            ? LearningRateSchedules.FromDeepSpeed(s, learningRate)
            : LearningRateSchedules.FromHuggingFace(lrSchedulerType, learningRate, arguments.WarmupSteps, arguments.WarmupRatio, totalSteps);
        var scaler = LossScalers.Create(config.Precision, config.Fp16, rank, log);
        return new EngineOptions(config.Precision, adam, schedule, scaler, config.GradientClipping, config.GradientAccumulationSteps);
    }

    private static AdamWOptions AdamFromArguments(HfTrainingValues arguments) =>
        new(arguments.AdamBeta1, arguments.AdamBeta2, arguments.AdamEpsilon, arguments.WeightDecay);
}
