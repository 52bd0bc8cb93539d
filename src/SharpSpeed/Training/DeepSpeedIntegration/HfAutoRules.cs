namespace SharpSpeed.Training.DeepSpeedIntegration;

/// <summary>One DeepSpeed key HF's integration fills from the training arguments (fill_match / fill_only).</summary>
/// <param name="Path">The dotted key path, as HF's find_config_node walks it.</param>
/// <param name="HfName">The training argument's name, as HF prints it in a mismatch.</param>
/// <param name="Value">The argument's value; null when the run cannot know it (see <paramref name="Missing"/>).</param>
/// <param name="MustMatch">False for HF's fill_only keys: a given value is kept without comparing.</param>
/// <param name="Missing">Why <paramref name="Value"/> can be null, for the "auto" error.</param>
internal sealed record HfAutoRule(string Path, string HfName, Func<HfTrainingValues, HfValue?> Value, bool MustMatch = true, string Missing = "");

/// <summary>
/// The keys HF's HfTrainerDeepSpeedConfig fills, in its order: trainer_config_process (batch, clipping, optimizer,
/// scheduler rates, precision), then trainer_config_finalize (hidden-size buckets and the scheduler's step counts).
/// The stage-3 keys are also filled under the names without the stage3_ prefix, which DeepSpeed accepts too.
/// </summary>
internal static class HfAutoRules
{
    private const string NoHiddenSize = "the model's hidden size was not given";
    private const string NoTotalSteps = "the run's number of optimizer steps was not given";

    public static IReadOnlyList<HfAutoRule> For(int worldSize, HfTrainingValues trainer)
    {
        ArgumentNullException.ThrowIfNull(trainer);
        return
        [
            new("train_micro_batch_size_per_gpu", "per_device_train_batch_size", t => new HfValue.Whole(t.Arguments.PerDeviceTrainBatchSize)),
            new("gradient_accumulation_steps", "gradient_accumulation_steps", t => new HfValue.Whole(t.Arguments.GradientAccumulationSteps)),
            new("train_batch_size", HfTrainingValues.TrainBatchSizeName,
                t => new HfValue.Whole((long)worldSize * t.Arguments.PerDeviceTrainBatchSize * t.Arguments.GradientAccumulationSteps)),
            new("gradient_clipping", "max_grad_norm", t => new HfValue.Real(t.Arguments.MaxGradNorm)),
            new("optimizer.params.lr", "learning_rate", t => new HfValue.Real(t.Arguments.LearningRate)),
            new("optimizer.params.betas", "adam_beta1+adam_beta2", t => new HfValue.Pair(t.Arguments.AdamBeta1, t.Arguments.AdamBeta2)),
            new("optimizer.params.eps", "adam_epsilon", t => new HfValue.Real(t.Arguments.AdamEpsilon)),
            new("optimizer.params.weight_decay", "weight_decay", t => new HfValue.Real(t.Arguments.WeightDecay)),
            new("scheduler.params.warmup_min_lr", "0", _ => new HfValue.Real(0), MustMatch: false),
            new("scheduler.params.warmup_max_lr", "learning_rate", t => new HfValue.Real(t.Arguments.LearningRate)),
            new("fp16.enabled", "fp16", t => new HfValue.Flag(t.Arguments.Fp16)),
            new("bf16.enabled", "bf16", t => new HfValue.Flag(t.Arguments.Bf16)),
            new("bfloat16.enabled", "bf16", t => new HfValue.Flag(t.Arguments.Bf16)),
            new("zero_optimization.reduce_bucket_size", "hidden_size^2",
                t => t.HiddenSize is { } h ? new HfValue.Whole((long)h * h) : null, MustMatch: false, NoHiddenSize),
            .. Stage3("prefetch_bucket_size", "0.9·hidden_size^2", t => t.HiddenSize is { } h ? new HfValue.Whole((long)(0.9 * h * h)) : null),
            .. Stage3("param_persistence_threshold", "10·hidden_size", t => t.HiddenSize is { } h ? new HfValue.Whole(10L * h) : null),
            new("scheduler.params.total_num_steps", HfTrainingValues.TrainingStepsName,
                t => t.TotalTrainingSteps is { } total ? new HfValue.Whole(total) : null, Missing: NoTotalSteps),
            new("scheduler.params.warmup_num_steps", "warmup_steps",
                t => t.ResolvedWarmupSteps is { } warmup ? new HfValue.Whole(warmup) : null,
                Missing: "a warm-up ratio needs the run's number of optimizer steps, which was not given"),
        ];
    }

    private static HfAutoRule[] Stage3(string name, string rule, Func<HfTrainingValues, HfValue?> value) =>
    [
        new("zero_optimization.stage3_" + name, rule, value, MustMatch: false, NoHiddenSize),
        new("zero_optimization." + name, rule, value, MustMatch: false, NoHiddenSize),
    ];
}
