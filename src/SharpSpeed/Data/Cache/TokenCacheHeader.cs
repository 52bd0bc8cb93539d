namespace SharpSpeed.Data.Cache;

/// <summary>
/// The JSON trailer of a cache file: its key, build statistics, and the id batches are padded with (so a reused
/// cache needs no tokenizer loaded).
/// </summary>
public sealed record TokenCacheHeader(TokenCacheKey Key, TokenCacheStats Stats, int PadId);
