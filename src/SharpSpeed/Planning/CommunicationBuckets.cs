namespace SharpSpeed.Planning;

/// <summary>
/// Bucket sizes in elements, as DeepSpeed's <c>zero_optimization</c> block names them (defaults are DeepSpeed's:
/// reduce_bucket_size 5e8, allgather_bucket_size 5e8, stage3_max_live_parameters 1e9,
/// stage3_param_persistence_threshold 1e5). What they cost in memory follows from the block layout
/// (<see cref="ModelStateLayout"/>).
/// </summary>
public sealed record CommunicationBuckets(
    long ReduceBucketSize, long AllgatherBucketSize, long MaxLiveParameters, long PersistenceThreshold)
{
    public static CommunicationBuckets DeepSpeedDefaults { get; } = new(500_000_000, 500_000_000, 1_000_000_000, 100_000);
}
