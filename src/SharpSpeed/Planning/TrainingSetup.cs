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

    public int GpusPerNode => NumGpus / NumNodes;

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
        ModelStateLayout.Validate(ZeroStage, Offload);
    }
}
