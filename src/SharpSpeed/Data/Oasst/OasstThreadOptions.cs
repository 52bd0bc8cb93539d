namespace SharpSpeed.Data.Oasst;

/// <summary>
/// Open-Assistant's SFT selection knobs: <paramref name="Languages"/> (prompt language codes; null keeps all)
/// and <paramref name="TopK"/> (keep assistant replies of rank &lt; k; null keeps every rank).
/// </summary>
public sealed record OasstThreadOptions(IReadOnlySet<string>? Languages = null, int? TopK = null)
{
    public static OasstThreadOptions All { get; } = new();

    /// <summary>Parses "en,zh" (or "all" / empty for every language) as --dataset_lang takes it.</summary>
    public static IReadOnlySet<string>? ParseLanguages(string? list)
    {
        if (string.IsNullOrWhiteSpace(list) || list.Trim().Equals("all", StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }
        return list.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .ToHashSet(StringComparer.Ordinal);
    }
}
