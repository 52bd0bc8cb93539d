using SharpSpeed.Engine;
using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;
using SharpSpeed.Training.DeepSpeedIntegration;

namespace SharpSpeed.Training;

/// <summary>
/// The hyper-parameters a run actually uses, after HF arguments and an optional DeepSpeed config were reconciled
/// the way HF's DeepSpeed integration does it: "auto" values come from the arguments, explicit DeepSpeed values
/// win, and the batch-size rule train = micro x accumulation x world holds. With the loop's cadence and output
/// folder, this is all <see cref="TrainingLoop"/> reads.
/// </summary>
public sealed record RunSettings(
    int MicroBatchSize,
    int GradientAccumulationSteps,
    int WorldSize,
    double LearningRate,
    AdamWOptions AdamW,
    double GradientClipping,
    TrainingPrecision Precision,
    int ZeroStage,
    DeepSpeedConfig? DeepSpeed)
{
    private static readonly string[] DependOnTotalSteps = ["max_steps", "num_train_epochs", "warmup_ratio"];

    public int GlobalBatchSize => MicroBatchSize * GradientAccumulationSteps * WorldSize;

    /// <summary>Optimizer steps between log lines: --logging_steps when given, else the DeepSpeed file's steps_per_print, else the flag's default.</summary>
    public int LoggingSteps { get; init; } = 500;

    /// <summary>Where metrics, TensorBoard events and checkpoints go (--output_dir).</summary>
    public string OutputDir { get; init; } = "";

    /// <summary>--report_to names tensorboard.</summary>
    public bool TensorBoard { get; init; }

    /// <summary>Evaluation every N optimizer steps (--eval_steps); null: at each epoch's end only.</summary>
    public int? EvalSteps { get; init; }

    public int EvalBatchSize { get; init; } = 8;

    /// <summary>A checkpoint every N optimizer steps (--save_steps); 0: none.</summary>
    public int SaveSteps { get; init; }

    public int? SaveTotalLimit { get; init; }

    /// <param name="totalSteps">
    /// The run's optimizer steps; null before the data is known (for the batch sizes and precision only): then a DeepSpeed
    /// step count or warm-up is not compared with flags that depend on the total (--max_steps, --num_train_epochs,
    /// --warmup_ratio), which the second resolve, with the total, checks.
    /// </param>
    /// <param name="deepSpeed">The --deepspeed file as the run read it once (<see cref="DeepSpeedFile.Read"/>); null without one.</param>
    public static RunSettings Resolve(
        TrainingArguments args, DeepSpeedFile? deepSpeed, int worldSize, IReadOnlySet<string> givenFlags, long? totalSteps, int hiddenSize)
    {
        ArgumentNullException.ThrowIfNull(args);
        return Hyperparameters(args, deepSpeed, worldSize, givenFlags, totalSteps, hiddenSize) with
        {
            OutputDir = args.OutputDir,
            TensorBoard = args.ReportTo.Contains("tensorboard", StringComparison.OrdinalIgnoreCase),
            EvalSteps = args.EvalSteps,
            EvalBatchSize = args.PerDeviceEvalBatchSize,
            SaveSteps = args.SaveSteps,
            SaveTotalLimit = args.SaveTotalLimit,
        };
    }

    private static RunSettings Hyperparameters(
        TrainingArguments args, DeepSpeedFile? deepSpeed, int worldSize, IReadOnlySet<string> givenFlags, long? totalSteps, int hiddenSize)
    {
        var precision = args.Fp16 ? TrainingPrecision.Fp16 : args.Bf16 ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;
        var adamW = new AdamWOptions(args.AdamBeta1, args.AdamBeta2, args.AdamEpsilon, args.WeightDecay);
        if (deepSpeed is null)
        {
            return new RunSettings(args.PerDeviceTrainBatchSize, args.GradientAccumulationSteps, worldSize, args.LearningRate,
                adamW, args.MaxGradNorm, precision, ZeroStage: 0, DeepSpeed: null)
            {
                LoggingSteps = args.LoggingSteps,
            };
        }
        var hf = new HfTrainingValues(args)
        {
            TotalTrainingSteps = totalSteps ?? 1,
            HiddenSize = hiddenSize,
            ExplicitArguments = totalSteps is null ? givenFlags.Except(DependOnTotalSteps).ToHashSet() : givenFlags,
        };
        var config = HfDeepSpeedConfig.Parse(deepSpeed, worldSize, hf);
        var optimizer = config.Optimizer;
        var resolvedAdamW = optimizer is null
            ? adamW
            : new AdamWOptions(optimizer.Beta1, optimizer.Beta2, optimizer.Epsilon, optimizer.WeightDecay,
                optimizer.DecoupledWeightDecay, optimizer.BiasCorrection);
        return new RunSettings(config.TrainMicroBatchSizePerGpu, config.GradientAccumulationSteps, worldSize,
            optimizer?.LearningRate ?? args.LearningRate, resolvedAdamW, config.GradientClipping, config.Precision,
            config.Zero.Stage, config)
        {
            LoggingSteps = config.StepsPerPrint is { } every && !givenFlags.Contains("logging_steps") ? every : args.LoggingSteps,
        };
    }

    /// <summary>DeepSpeed's scheduler when the config has one, else HF's --lr_scheduler_type with its warm-up.</summary>
    public ILearningRateSchedule Schedule(TrainingArguments args, long totalSteps) =>
        DeepSpeed?.Scheduler is { } scheduler
            ? LearningRateSchedules.FromDeepSpeed(scheduler, LearningRate)
            : LearningRateSchedules.FromHuggingFace(args.LrSchedulerType, LearningRate, args.WarmupSteps, args.WarmupRatio, totalSteps);

    public TrainingEngineOptions EngineOptions(ILearningRateSchedule schedule) =>
        DeepSpeed is { } config
            ? TrainingEngineOptions.FromDeepSpeed(config, schedule, AdamW)
            : new TrainingEngineOptions
            {
                ZeroStage = 0,
                Precision = Precision,
                AdamW = AdamW,
                Schedule = schedule,
                GradientClipping = GradientClipping,
                GradientAccumulationSteps = GradientAccumulationSteps,
            };
}
