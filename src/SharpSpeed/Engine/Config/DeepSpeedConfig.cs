using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// A DeepSpeed JSON configuration after "auto" values were filled and the batch-size rule
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
    public int StepsPerPrint { get; init; } = 10;
    public bool WallClockBreakdown { get; init; }
    public bool MemoryBreakdown { get; init; }
    public bool DumpState { get; init; }
    public bool PrescaleGradients { get; init; }
    public double GradientPredivideFactor { get; init; } = 1.0;
    public bool ZeroAllowUntestedOptimizer { get; init; }
    public bool DataloaderDropLast { get; init; }

    public TrainingPrecision Precision =>
        Fp16.Enabled ? TrainingPrecision.Fp16 : Bf16.Enabled ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32;
}
