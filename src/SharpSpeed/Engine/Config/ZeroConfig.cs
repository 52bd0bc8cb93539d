namespace SharpSpeed.Engine.Config;

/// <summary>
/// The DeepSpeed <c>zero_optimization</c> section, resolved, with DeepSpeed's defaults
/// (bucket sizes in elements; overlap_comm defaults to true only at stage 3, which SharpSpeed does not run yet).
/// </summary>
public sealed record ZeroConfig(
    int Stage = 0,
    bool AllgatherPartitions = true,
    long AllgatherBucketSize = 500_000_000,
    bool OverlapComm = false,
    bool ReduceScatter = true,
    long ReduceBucketSize = 500_000_000,
    bool ContiguousGradients = true,
    bool UseMultiRankBucketAllreduce = true,
    bool LoadFromFp32Weights = true,
    bool IgnoreUnusedParameters = true,
    bool RoundRobinGradients = false,
    long SubGroupSize = 1_000_000_000)
{
    /// <summary>The stage3_* keys (read at every stage, used at stage 3).</summary>
    public Zero.Stage3Options Stage3 { get; init; } = new();

    /// <summary>offload_optimizer with device cpu; null when absent or device none.</summary>
    public Placement.HostOffload? OffloadOptimizer { get; init; }

    /// <summary>offload_param with device cpu (stage 3 only); null when absent or device none.</summary>
    public Placement.HostOffload? OffloadParam { get; init; }
}
