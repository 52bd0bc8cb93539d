using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Training.DeepSpeedIntegration;

/// <summary>
/// The TrainingArguments values HF's DeepSpeed integration copies into <c>"auto"</c> entries of a DeepSpeed config
/// (HfTrainerDeepSpeedConfig.trainer_config_process / trainer_config_finalize). Defaults are TrainingArguments'.
/// </summary>
/// <param name="ExplicitArguments">
/// HF argument names the user actually passed. A DeepSpeed value that differs from an HF value is an error (as HF
/// raises it) only for these; for arguments left at their defaults the DeepSpeed file wins. Null means every argument
/// counts as given, which is HF's own strict behaviour.
/// </param>
public sealed record HfTrainingValues
{
    public double LearningRate { get; init; } = 5e-5;
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    public double WeightDecay { get; init; }
    public int PerDeviceTrainBatchSize { get; init; } = 8;
    public int GradientAccumulationSteps { get; init; } = 1;
    public double MaxGradNorm { get; init; } = 1.0;
    public bool Fp16 { get; init; }
    public bool Bf16 { get; init; }
    public int WarmupSteps { get; init; }
    public double WarmupRatio { get; init; }

    /// <summary>Optimizer steps of the whole run; needed only when a scheduler's total_num_steps / warmup_num_steps is "auto".</summary>
    public long? TotalTrainingSteps { get; init; }

    /// <summary>The model's hidden size; needed only when zero_optimization.reduce_bucket_size is "auto" (HF fills hidden^2).</summary>
    public int? HiddenSize { get; init; }

    public IReadOnlySet<string>? ExplicitArguments { get; init; }

    /// <summary>HF's TrainingArguments.get_warmup_steps for the run.</summary>
    internal long? ResolvedWarmupSteps =>
        WarmupSteps > 0 ? WarmupSteps
        : TotalTrainingSteps is { } total ? HuggingFaceSchedule.ResolveWarmupSteps(0, WarmupRatio, total)
        : null;

    /// <summary>Whether the user gave the argument behind an HF name; HF's computed names depend on the arguments they are computed from.</summary>
    internal bool WasGiven(string argumentName) => ExplicitArguments is null || argumentName switch
    {
        TrainBatchSizeName => ExplicitArguments.Contains("per_device_train_batch_size")
                              || ExplicitArguments.Contains("gradient_accumulation_steps"),
        "warmup_steps" => ExplicitArguments.Contains("warmup_steps") || ExplicitArguments.Contains("warmup_ratio"),
        TrainingStepsName => ExplicitArguments.Contains("max_steps") || ExplicitArguments.Contains("num_train_epochs"),
        "adam_beta1+adam_beta2" => ExplicitArguments.Contains("adam_beta1") || ExplicitArguments.Contains("adam_beta2"),
        _ => ExplicitArguments.Contains(argumentName),
    };

    internal const string TrainBatchSizeName = "train_batch_size (calculated)";
    internal const string TrainingStepsName = "num_training_steps (calculated)";
}
