using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// A DeepSpeed JSON configuration with no "auto" left and the batch-size rule
/// (train_batch_size = train_micro_batch_size_per_gpu * gradient_accumulation_steps * world_size) was applied.
/// <see cref="Optimizer"/> / <see cref="Scheduler"/> are null when the file has no such section: then the trainer's
/// own AdamW and HF schedule apply, as with HF Trainer.
/// </summary>
public sealed record DeepSpeedConfig(
    int TrainBatchSize,
    int TrainMicroBatchSizePerGpu,
    int GradientAccumulationSteps,
    int WorldSize,
    double GradientClipping,
    OptimizerConfig? Optimizer,
    SchedulerConfig? Scheduler,
    Fp16Config Fp16,
    Bf16Config Bf16,
    ZeroConfig Zero)
{
    /// <summary>steps_per_print when the file gives it: the trainer's log interval unless --logging_steps is given.</summary>
    public int? StepsPerPrint { get; init; }

    /// <summary>wall_clock_breakdown: print (and monitor) the forward / backward / optimizer-step split.</summary>
    public bool WallClockBreakdown { get; init; }
    public bool PrescaleGradients { get; init; }
    public double GradientPredivideFactor { get; init; } = 1.0;

    /// <summary>The tensorboard section when enabled: DeepSpeed's Train/Samples/* scalars under its output_path/job_name.</summary>
    public MonitorConfig? TensorBoard { get; init; }

    /// <summary>The csv_monitor section when enabled: one CSV file per scalar under its output_path/job_name.</summary>
    public MonitorConfig? CsvMonitor { get; init; }

    /// <summary>
    /// Lines for the start of the run: each key present that has no effect here and why, each unknown key, and where
    /// batch sizes absent from the file came from.
    /// </summary>
    public IReadOnlyList<string> Notes { get; init; } = [];

    public TrainingPrecision Precision =>
        Fp16.Enabled ? TrainingPrecision.Fp16 : Bf16.Enabled ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;
}
