using System.Buffers;
using System.Text;

namespace SharpSpeed.Data.Tokenization;

/// <summary>One entry of tokenizer.json's "added_tokens".</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special);

/// <summary>
/// Finds added tokens (e.g. "&lt;｜end▁of▁sentence｜&gt;") in text before anything else sees it, as HF's
/// AddedVocabulary does: leftmost-longest matches, each match's lstrip/rstrip/single_word rules applied.
/// Tokens marked "normalized" are looked for in normalized text, the others in the raw text.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly Dictionary<char, (string Pattern, AddedToken Token)[]> _byFirstChar;
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> tokens)
    {
        _byFirstChar = tokens
            .Where(t => t.Pattern.Length > 0)
            .GroupBy(t => t.Pattern[0])
            .ToDictionary(g => g.Key, g => g.OrderByDescending(t => t.Pattern.Length).ToArray());
        _firstChars = SearchValues.Create(_byFirstChar.Keys.ToArray());
    }

    public bool IsEmpty => _byFirstChar.Count == 0;

    /// <summary>Cuts <paramref name="text"/> into (start, end, token) segments; token is null between matches.</summary>
    public List<(int Start, int End, AddedToken? Token)> Split(string text)
    {
        var segments = new List<(int, int, AddedToken?)>();
        var emittedUpTo = 0;
        var searchFrom = 0;
        while (searchFrom < text.Length)
        {
            var found = text.AsSpan(searchFrom).IndexOfAny(_firstChars);
            if (found < 0)
            {
                break;
            }
            var at = searchFrom + found;
            var match = LongestAt(text, at);
            if (match is null)
            {
                searchFrom = at + 1;
                continue;
            }
            var (pattern, token) = match.Value;
            var start = at;
            var stop = at + pattern.Length;
            searchFrom = stop;
            if (token.SingleWord && (EndsWithWordCharacter(text, start) || StartsWithWordCharacter(text, stop)))
            {
                continue;
            }
            if (token.LStrip)
            {
                while (start > emittedUpTo && char.IsWhiteSpace(text[start - 1]))
                {
                    start--;
                }
            }
            if (token.RStrip)
            {
                while (stop < text.Length && char.IsWhiteSpace(text[stop]))
                {
                    stop++;
                }
            }
            if (emittedUpTo < start)
            {
                segments.Add((emittedUpTo, start, null));
            }
            segments.Add((start, stop, token));
            emittedUpTo = stop;
        }
        if (emittedUpTo < text.Length)
        {
            segments.Add((emittedUpTo, text.Length, null));
        }
        return segments;
    }

    private (string Pattern, AddedToken Token)? LongestAt(string text, int at)
    {
        foreach (var candidate in _byFirstChar[text[at]])
        {
            if (text.AsSpan(at).StartsWith(candidate.Pattern, StringComparison.Ordinal))
            {
                return candidate;
            }
        }
        return null;
    }

    private static bool EndsWithWordCharacter(string text, int end) =>
        end > 0 && Rune.TryGetRuneAt(text, char.IsLowSurrogate(text[end - 1]) && end > 1 ? end - 2 : end - 1, out var rune)
        && IsWordCharacter(rune);

    private static bool StartsWithWordCharacter(string text, int start) =>
        start < text.Length && Rune.TryGetRuneAt(text, start, out var rune) && IsWordCharacter(rune);

    private static bool IsWordCharacter(Rune rune) => Rune.IsLetterOrDigit(rune) || rune.Value == '_';
}
