namespace SharpSpeed.Planning;

/// <summary>
/// Bucket sizes in elements, as DeepSpeed's <c>zero_optimization</c> block names them (defaults are DeepSpeed's:
/// reduce_bucket_size 5e8, allgather_bucket_size 5e8, stage3_prefetch_bucket_size 5e7).
/// </summary>
public sealed record CommunicationBuckets(long ReduceBucketSize, long AllgatherBucketSize, long PrefetchBucketSize)
{
    public static CommunicationBuckets DeepSpeedDefaults { get; } = new(500_000_000, 500_000_000, 50_000_000);

    /// <summary>
    /// GPU bytes of the buckets at <paramref name="stage"/>, all in the 16-bit training dtype (2 bytes per
    /// element): stage 0 reduces gradients through one all-reduce bucket; stages 1-2 fill a reduce bucket in
    /// backward and all-gather updated parameters through an all-gather bucket after the step; stage 3 uses the
    /// reduce bucket and a prefetch bucket of gathered parameters (its all-gathers do not use
    /// allgather_bucket_size). Counting the all-gather bucket whole is an upper bound: DeepSpeed may gather in
    /// place when the partitions are already contiguous.
    /// </summary>
    public double GpuBytes(int stage) => 2.0 * stage switch
    {
        0 => ReduceBucketSize,
        1 or 2 => ReduceBucketSize + AllgatherBucketSize,
        3 => ReduceBucketSize + PrefetchBucketSize,
        _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "ZeRO stage must be 0, 1, 2 or 3"),
    };
}
