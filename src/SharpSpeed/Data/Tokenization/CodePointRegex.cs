using System.Globalization;
using System.Text.RegularExpressions;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// A regular expression from tokenizer.json matched the way HF's Oniguruma does it: by Unicode code point.
/// .NET's Regex sees UTF-16 code units, so an emoji or other character outside the BMP would be two
/// "surrogate" characters that match neither \p{S} nor \p{L}. Before matching, every such character is
/// replaced by one BMP stand-in of the same Unicode category, and match offsets are mapped back.
/// </summary>
internal sealed class CodePointRegex
{
    /// <summary>One BMP character per <see cref="UnicodeCategory"/>, in enum order, chosen outside the
    /// ASCII and CJK ranges that tokenizer patterns spell out literally.</summary>
    internal static readonly char[] StandIns =
    [
        '\uA640', '\uA641', '\u01C5', '\u02B0', '\uA000', '\u0300', '\u0903', '\u20DD', '\u0660', '\u2160',
        '\u00B2', '\u2000', '\u2028', '\u2029', '\u0001', '\u00AD', '\uFFFD', '\uE000', '\u203F', '\u2010',
        '\u2045', '\u2046', '\u2039', '\u203A', '\u203B', '\u2200', '\u20A0', '\u02C2', '\u2300', '\u0378',
    ];

    private readonly Regex _regex;

    public CodePointRegex(string pattern, JsonSection where)
    {
        Pattern = pattern;
        try
        {
            _regex = new Regex(pattern, RegexOptions.Compiled | RegexOptions.CultureInvariant);
        }
        catch (ArgumentException e)
        {
            throw where.Error($"regex /{pattern}/ cannot be compiled by .NET: {e.Message}");
        }
    }

    public string Pattern { get; }

    /// <summary>Appends the (start, end) UTF-16 offsets in <paramref name="text"/> of every match, in order.</summary>
    public void FindMatches(string text, List<(int Start, int End)> matches)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            foreach (var match in _regex.EnumerateMatches(text))
            {
                matches.Add((match.Index, match.Index + match.Length));
            }
            return;
        }
        var projected = new char[text.Length];
        var originalOffset = new int[text.Length + 1];
        var length = 0;
        for (var i = 0; i < text.Length; i++)
        {
            originalOffset[length] = i;
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                var codePoint = char.ConvertToUtf32(text[i], text[i + 1]);
                projected[length++] = StandIns[(int)CharUnicodeInfo.GetUnicodeCategory(codePoint)];
                i++;
            }
            else
            {
                projected[length++] = text[i];
            }
        }
        originalOffset[length] = text.Length;
        foreach (var match in _regex.EnumerateMatches(projected.AsSpan(0, length)))
        {
            matches.Add((originalOffset[match.Index], originalOffset[match.Index + match.Length]));
        }
    }

    /// <summary>The text with every match replaced by <paramref name="replacement"/> (taken literally).</summary>
    public string Replace(string text, string replacement)
    {
        var matches = new List<(int Start, int End)>();
        FindMatches(text, matches);
        if (matches.Count == 0)
        {
            return text;
        }
        var builder = new System.Text.StringBuilder(text.Length);
        var previous = 0;
        foreach (var (start, end) in matches)
        {
            builder.Append(text, previous, start - previous).Append(replacement);
            previous = end;
        }
        return builder.Append(text, previous, text.Length - previous).ToString();
    }
}
