namespace SharpSpeed.Data.Tokenization;

/// <summary>tokenizer.json's pattern object: {"String": literal} or {"Regex": pattern}.</summary>
internal sealed class StringOrRegex
{
    private readonly string? _literal;
    private readonly CodePointRegex? _regex;

    private StringOrRegex(string? literal, CodePointRegex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    public static StringOrRegex FromJson(JsonSection section)
    {
        if (section.Element.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            if (section.OptionalString("String") is { } literal)
            {
                return new StringOrRegex(literal, null);
            }
            if (section.OptionalString("Regex") is { } pattern)
            {
                return new StringOrRegex(null, new CodePointRegex(pattern, section));
            }
        }
        throw section.Error("must be {\"String\": ...} or {\"Regex\": ...}");
    }

    /// <summary>Appends the (start, end) offsets of every non-overlapping match, in order.</summary>
    public void FindMatches(string text, List<(int Start, int End)> matches)
    {
        if (_regex is not null)
        {
            _regex.FindMatches(text, matches);
            return;
        }
        if (_literal!.Length == 0)
        {
            return;
        }
        for (var at = text.IndexOf(_literal, StringComparison.Ordinal); at >= 0;
             at = text.IndexOf(_literal, at + _literal.Length, StringComparison.Ordinal))
        {
            matches.Add((at, at + _literal.Length));
        }
    }

    public string Replace(string text, string replacement) =>
        _regex is not null ? _regex.Replace(text, replacement)
        : _literal!.Length == 0 ? text
        : text.Replace(_literal, replacement, StringComparison.Ordinal);
}
