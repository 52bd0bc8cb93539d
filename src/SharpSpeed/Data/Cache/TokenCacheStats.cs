namespace SharpSpeed.Data.Cache;

/// <summary>
/// Counts recorded when a cache is built, so a reused cache reports them without reading the data again.
/// Threads are the samples read (oasst1: conversations kept by the rules); examples are the ones kept (a sample
/// whose labels all fell to truncation is dropped and counted in <paramref name="DroppedNoLabels"/>).
/// </summary>
public sealed record TokenCacheStats(
    long Threads,
    long Examples,
    long Tokens,
    long LabelTokens,
    long Truncated,
    long Skipped,
    long DroppedNoLabels);
