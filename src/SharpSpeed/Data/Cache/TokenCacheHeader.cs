namespace SharpSpeed.Data.Cache;

/// <summary>The JSON trailer of a cache file: its key and build statistics.</summary>
public sealed record TokenCacheHeader(TokenCacheKey Key, TokenCacheStats Stats);
