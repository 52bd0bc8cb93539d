namespace SharpSpeed.Training.DeepSpeedIntegration;

/// <summary>One DeepSpeed key HF's integration fills from the training arguments (fill_match / fill_only).</summary>
/// <param name="Path">The dotted key path, as HF's find_config_node walks it.</param>
/// <param name="HfName">The training argument's name, as HF prints it in a mismatch.</param>
/// <param name="Value">The argument's value for this run; null when the run cannot know it (see <paramref name="Missing"/>).</param>
/// <param name="MustMatch">False for HF's fill_only keys: a given value is kept without comparing.</param>
/// <param name="Missing">Why <paramref name="Value"/> can be null, for the "auto" error.</param>
internal sealed record HfAutoRule(string Path, string HfName, HfValue? Value, bool MustMatch = true, string Missing = "");

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
        var a = trainer.Arguments;
        return
        [
            new("train_micro_batch_size_per_gpu", "per_device_train_batch_size", new HfValue.Whole(a.PerDeviceTrainBatchSize)),
            new("gradient_accumulation_steps", "gradient_accumulation_steps", new HfValue.Whole(a.GradientAccumulationSteps)),
            new("train_batch_size", HfTrainingValues.TrainBatchSizeName,
                new HfValue.Whole((long)worldSize * a.PerDeviceTrainBatchSize * a.GradientAccumulationSteps)),
            new("gradient_clipping", "max_grad_norm", new HfValue.Real(a.MaxGradNorm)),
            new("optimizer.params.lr", "learning_rate", new HfValue.Real(a.LearningRate)),
            new("optimizer.params.betas", "adam_beta1+adam_beta2", new HfValue.Pair(a.AdamBeta1, a.AdamBeta2)),
            new("optimizer.params.eps", "adam_epsilon", new HfValue.Real(a.AdamEpsilon)),
            new("optimizer.params.weight_decay", "weight_decay", new HfValue.Real(a.WeightDecay)),
            new("scheduler.params.warmup_min_lr", "0", new HfValue.Real(0), MustMatch: false),
            new("scheduler.params.warmup_max_lr", "learning_rate", new HfValue.Real(a.LearningRate)),
            new("fp16.enabled", "fp16", new HfValue.Flag(a.Fp16)),
            new("bf16.enabled", "bf16", new HfValue.Flag(a.Bf16)),
            new("bfloat16.enabled", "bf16", new HfValue.Flag(a.Bf16)),
            new("zero_optimization.reduce_bucket_size", "hidden_size^2",
                FromHidden(h => h * h), MustMatch: false, NoHiddenSize),
            .. Stage3("prefetch_bucket_size", "0.9·hidden_size^2", FromHidden(h => (long)(0.9 * h * h))),
            .. Stage3("param_persistence_threshold", "10·hidden_size", FromHidden(h => 10 * h)),
            new("scheduler.params.total_num_steps", HfTrainingValues.TrainingStepsName,
                trainer.TotalTrainingSteps is { } total ? new HfValue.Whole(total) : null, Missing: NoTotalSteps),
            new("scheduler.params.warmup_num_steps", "warmup_steps",
                trainer.ResolvedWarmupSteps is { } warmup ? new HfValue.Whole(warmup) : null,
                Missing: "a warm-up ratio needs the run's number of optimizer steps, which was not given"),
        ];

        HfValue? FromHidden(Func<long, long> rule) => trainer.HiddenSize is { } h ? new HfValue.Whole(rule(h)) : null;
    }

    private static HfAutoRule[] Stage3(string name, string rule, HfValue? value) =>
    [
        new("zero_optimization.stage3_" + name, rule, value, MustMatch: false, NoHiddenSize),
        new("zero_optimization." + name, rule, value, MustMatch: false, NoHiddenSize),
    ];
}
