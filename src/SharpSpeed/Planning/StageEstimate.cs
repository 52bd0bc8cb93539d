namespace SharpSpeed.Planning;

/// <summary>
/// Memory of one ZeRO stage for one rank. <see cref="PaperBytes"/> is the ZeRO paper's model-state formula
/// (no offload, no fp32 gradients); <see cref="DeepSpeed"/> is DeepSpeed's own estimator function for this stage
/// and offload (null for stages 0 and 1, which DeepSpeed has none for); <see cref="Layout"/> is the
/// component-by-component count the verdict uses, to which activations, buckets and the reserve are added.
/// </summary>
public sealed record StageEstimate(
    int Stage,
    OffloadMode Offload,
    double PaperBytes,
    DeepSpeedEstimate? DeepSpeed,
    IReadOnlyList<ModelStateComponent> Layout,
    double BucketBytes,
    double ActivationBytes,
    double ReserveBytes,
    int GpusPerNode)
{
    public double ModelStateGpuBytes => Layout.Sum(c => c.GpuBytes);

    public double ModelStateCpuBytesPerRank => Layout.Sum(c => c.CpuBytes);

    public double CpuBytesPerNode => ModelStateCpuBytesPerRank * GpusPerNode;

    public double GpuTotalBytes => ModelStateGpuBytes + ActivationBytes + BucketBytes + ReserveBytes;
}
