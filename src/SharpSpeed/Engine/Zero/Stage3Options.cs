namespace SharpSpeed.Engine.Zero;

/// <summary>
/// ZeRO-3's parameter-gathering knobs, DeepSpeed's <c>stage3_*</c> keys with DeepSpeed's defaults (elements).
/// </summary>
public sealed record Stage3Options
{
    /// <summary>stage3_prefetch_bucket_size: elements gathered ahead of use, following the recorded fetch order.</summary>
    public long PrefetchBucketSize { get; init; } = 50_000_000;

    /// <summary>stage3_param_persistence_threshold: parameters with fewer elements stay gathered (never released).</summary>
    public long ParamPersistenceThreshold { get; init; } = 100_000;

    /// <summary>stage3_max_live_parameters: most gathered elements held at once (prefetching stops short of it).</summary>
    public long MaxLiveParameters { get; init; } = 1_000_000_000;

    /// <summary>stage3_max_reuse_distance: a unit used again within this many gathered elements is kept, not released.</summary>
    public long MaxReuseDistance { get; init; } = 1_000_000_000;

    /// <summary>stage3_gather_16bit_weights_on_model_save: checkpoints also get the consolidated 16-bit HF weights.</summary>
    public bool GatherWeightsOnModelSave { get; init; }

    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(PrefetchBucketSize, "stage3_prefetch_bucket_size");
        ArgumentOutOfRangeException.ThrowIfNegative(ParamPersistenceThreshold, "stage3_param_persistence_threshold");
        ArgumentOutOfRangeException.ThrowIfNegative(MaxLiveParameters, "stage3_max_live_parameters");
        ArgumentOutOfRangeException.ThrowIfNegative(MaxReuseDistance, "stage3_max_reuse_distance");
    }
}
