using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Training.DeepSpeedIntegration;

/// <summary>
/// What HF's DeepSpeed integration fills <c>"auto"</c> entries of a DeepSpeed config from
/// (HfTrainerDeepSpeedConfig.trainer_config_process / trainer_config_finalize): the run's training arguments, and
/// what only the run knows, its step count and the model's hidden size.
/// </summary>
/// <param name="Arguments">The training arguments (their defaults are HF's).</param>
public sealed record HfTrainingValues(TrainingArguments Arguments)
{
    /// <summary>Optimizer steps of the whole run; needed only when a scheduler's total_num_steps / warmup_num_steps is "auto".</summary>
    public long? TotalTrainingSteps { get; init; }

    /// <summary>The model's hidden size; needed only when reduce_bucket_size, stage3_prefetch_bucket_size or stage3_param_persistence_threshold is "auto".</summary>
    public int? HiddenSize { get; init; }

    /// <summary>
    /// HF argument names the user actually passed. A DeepSpeed value that differs from an HF value is an error (as HF
    /// raises it) only for these; for arguments left at their defaults the DeepSpeed file wins. Null means every argument
    /// counts as given, which is HF's own strict behaviour.
    /// </summary>
    public IReadOnlySet<string>? ExplicitArguments { get; init; }

    /// <summary>HF's TrainingArguments.get_warmup_steps for the run.</summary>
    internal long? ResolvedWarmupSteps =>
        Arguments.WarmupSteps > 0 ? Arguments.WarmupSteps
        : TotalTrainingSteps is { } total ? HuggingFaceSchedule.ResolveWarmupSteps(0, Arguments.WarmupRatio, total)
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
