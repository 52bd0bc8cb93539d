namespace SharpSpeed.Planning;

/// <summary>
/// Memory of one ZeRO stage for one rank. <see cref="PaperBytes"/> is the ZeRO paper's model-state formula
/// (no offload, no fp32 gradients); <see cref="DeepSpeed"/> is DeepSpeed's own estimator function for this stage
/// and offload (null for stages 0 and 1, which DeepSpeed has none for); <see cref="Memory"/> is the engine's
/// layout by kind (<see cref="ModelStateLayout"/>), to which activations and the reserve are added for the verdict.
/// </summary>
public sealed record StageEstimate(
    int Stage,
    OffloadMode Offload,
    double PaperBytes,
    DeepSpeedEstimate? DeepSpeed,
    RankMemory Memory,
    double ActivationBytes,
    double ReserveBytes,
    int GpusPerNode)
{
    public double BucketBytes => Memory.Device(MemoryKind.Buckets);

    public double ModelStateGpuBytes => Memory.DeviceBytes - BucketBytes;

    public double CpuBytesPerNode => Memory.HostBytes * GpusPerNode;

    public double GpuTotalBytes => Memory.DeviceBytes + ActivationBytes + ReserveBytes;
}
