namespace SharpSpeed.Engine.Config;

/// <summary>
/// Whether an unknown config key is a misspelling of a known one: the same key after British spellings are made
/// American (zero_optimisation), or at most two edits away (optimal string alignment: insert, delete, substitute, swap
/// neighbours), one for keys of four letters or fewer so that short names do not all resemble each other.
/// </summary>
internal static class KeySpelling
{
    private static readonly (string British, string American)[] Spellings =
    [
        ("isation", "ization"), ("ise_", "ize_"), ("yse", "yze"), ("our", "or"), ("tre", "ter"), ("ogue", "og"),
    ];

    public static string? ClosestKnown(string unknown, IEnumerable<string> known)
    {
        var candidate = American(unknown.ToLowerInvariant());
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var key in known)
        {
            var target = key.ToLowerInvariant();
            var limit = target.Length <= 4 ? 1 : 2;
            var distance = Distance(candidate, target);
            if (distance <= limit && distance < bestDistance)
            {
                (best, bestDistance) = (key, distance);
            }
        }
        return best;
    }

    /// <summary>Optimal-string-alignment distance (Damerau-Levenshtein where no substring is edited twice).</summary>
    public static int Distance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }
        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }
        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }
        return d[a.Length, b.Length];
    }

    private static string American(string key)
    {
        foreach (var (british, american) in Spellings)
        {
            key = key.Replace(british, american, StringComparison.Ordinal);
        }
        return key;
    }
}
