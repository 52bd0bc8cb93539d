namespace SharpSpeed.Data.Cache;

/// <summary>
/// The tokenized splits of a data set, memory-mapped from their caches. <see cref="Validation"/> is null when
/// the data set has no validation split. <see cref="Origin"/> says whether the train cache was reused or built.
/// </summary>
public sealed record PreparedDataset(
    TokenCacheFile Train,
    TokenCacheFile? Validation,
    TokenCacheOrigin Origin,
    string TemplateName,
    int PadId,
    TimeSpan Elapsed) : IDisposable
{
    public TokenCacheStats TrainStats => Train.Header.Stats;

    public void Dispose()
    {
        Train.Dispose();
        Validation?.Dispose();
    }
}
