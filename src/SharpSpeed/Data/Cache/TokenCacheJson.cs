using System.Text.Json;

namespace SharpSpeed.Data.Cache;

/// <summary>JSON settings of the cache header: snake_case, compact, stable.</summary>
internal static class TokenCacheJson
{
    public static JsonSerializerOptions Options { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = false,
    };
}
