namespace SharpSpeed.Planning;

/// <summary>
/// The hardware and training settings a plan is checked against. <see cref="ReserveGb"/> is GPU memory that
/// is never available to tensors: the CUDA context and cuBLAS/NCCL workspaces (about 0.5-1 GB on current
/// drivers) plus what the caching allocator loses to fragmentation.
/// </summary>
public sealed record TrainingSetup(
    int NumGpus,
    int NumNodes,
    int ZeroStage,
    OffloadMode Offload,
    int MicroBatchSize,
    int SeqLength,
    bool GradientCheckpointing,
    double? GpuMemoryGb,
    double ReserveGb,
    CommunicationBuckets Buckets)
{
    public const double DefaultReserveGb = 1.0;

    public TrainingDtype Dtype { get; init; } = TrainingDtype.Bf16;
    public int GradientAccumulationSteps { get; init; } = 1;
    public LoraSettings? Lora { get; init; }
    public int Bits { get; init; } = 16;
    public bool DoubleQuant { get; init; } = true;

    /// <summary>null: DeepSpeed's default (on at stage 3 only).</summary>
    public bool? OverlapComm { get; init; }

    public int GpusPerNode => NumGpus / NumNodes;

    /// <summary>The layout settings of this setup at <paramref name="stage"/> with <paramref name="offload"/>.</summary>
    public LayoutSettings LayoutFor(int stage, OffloadMode offload) => new()
    {
        World = NumGpus,
        Stage = stage,
        Dtype = Dtype,
        OffloadOptimizer = offload != OffloadMode.None,
        OffloadParam = offload == OffloadMode.All,
        ReduceBucketSize = Buckets.ReduceBucketSize,
        AllgatherBucketSize = Buckets.AllgatherBucketSize,
        Stage3MaxLiveParameters = Buckets.MaxLiveParameters,
        Stage3ParamPersistenceThreshold = Buckets.PersistenceThreshold,
        OverlapComm = OverlapComm,
        Lora = Lora,
        Bits = Bits,
        DoubleQuant = DoubleQuant,
    };

    public void Validate()
    {
        if (NumGpus <= 0)
        {
            throw new ArgumentException($"--num_gpus must be positive, got {NumGpus}");
        }
        if (NumNodes <= 0 || NumGpus % NumNodes != 0)
        {
            throw new ArgumentException($"--num_nodes {NumNodes} must be positive and divide --num_gpus {NumGpus}");
        }
        if (MicroBatchSize <= 0)
        {
            throw new ArgumentException($"--micro_batch_size must be positive, got {MicroBatchSize}");
        }
        if (GradientAccumulationSteps <= 0)
        {
            throw new ArgumentException($"--gradient_accumulation_steps must be positive, got {GradientAccumulationSteps}");
        }
        if (SeqLength <= 0)
        {
            throw new ArgumentException($"--seq_length must be positive, got {SeqLength}");
        }
        if (GpuMemoryGb is <= 0)
        {
            throw new ArgumentException($"--gpu_memory_gb must be positive, got {GpuMemoryGb}");
        }
        if (ReserveGb < 0)
        {
            throw new ArgumentException($"--reserve_gb must not be negative, got {ReserveGb}");
        }
        if (Offload == OffloadMode.All && ZeroStage != 3)
        {
            throw new ArgumentException(
                $"--offload all (parameter offload) needs --zero_stage 3; stage {ZeroStage} can offload the optimizer only");
        }
        LayoutFor(ZeroStage, Offload).Validate();
    }
}
