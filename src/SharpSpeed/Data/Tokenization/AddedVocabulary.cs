using System.Buffers;
using System.Text;

namespace SharpSpeed.Data.Tokenization;

/// <summary>One entry of tokenizer.json's "added_tokens".</summary>
internal sealed record AddedToken(int Id, string Content, bool SingleWord, bool LStrip, bool RStrip, bool Normalized, bool Special)
{
    /// <summary>
    /// The ids HF actually gives the added tokens: it re-adds them in file order and ignores the "id" written
    /// in the file (it only logs a warning when they differ). A token whose text is already in the model's
    /// vocabulary takes that id; a new one takes the model's vocabulary size, then one past the largest added
    /// id. A repeated text keeps its first definition; empty texts are ignored.
    /// </summary>
    public static List<AddedToken> AssignIds(IEnumerable<AddedToken> declared, IReadOnlyDictionary<string, int> modelVocab)
    {
        var result = new List<AddedToken>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        int? largest = null;
        var vocabSize = modelVocab.Count;
        foreach (var token in declared)
        {
            if (token.Content.Length == 0 || !seen.Add(token.Content))
            {
                continue;
            }
            var id = modelVocab.TryGetValue(token.Content, out var known) ? known
                : largest is not { } max ? vocabSize
                : max >= vocabSize || vocabSize == 0 ? max + 1
                : vocabSize;
            largest = largest is { } previous ? Math.Max(previous, id) : id;
            result.Add(token with { Id = id });
        }
        return result;
    }
}

/// <summary>
/// Finds added tokens (e.g. "&lt;｜end▁of▁sentence｜&gt;") in text before anything else sees it, as HF's
/// AddedVocabulary does: leftmost-longest matches, each match's lstrip/rstrip/single_word rules applied.
/// Tokens marked "normalized" are looked for in normalized text, the others in the raw text.
/// </summary>
internal sealed class AddedTokenMatcher
{
    private readonly TrieNode _root = new();
    private readonly SearchValues<char> _firstChars;

    public AddedTokenMatcher(IEnumerable<(string Pattern, AddedToken Token)> tokens)
    {
        foreach (var (pattern, token) in tokens)
        {
            if (pattern.Length == 0)
            {
                continue;
            }
            var node = _root;
            foreach (var symbol in pattern)
            {
                node.Children ??= [];
                if (!node.Children.TryGetValue(symbol, out var child))
                {
                    node.Children[symbol] = child = new TrieNode();
                }
                node = child;
            }
            // A later token with the same text wins, as HF's token map keeps the last one.
            node.Token = token;
        }
        _firstChars = SearchValues.Create(_root.Children?.Keys.ToArray() ?? []);
    }

    public bool IsEmpty => _root.Children is null;

    /// <summary>Cuts <paramref name="text"/> into (start, end, token) segments; token is null between matches.</summary>
    public List<(int Start, int End, AddedToken? Token)> Split(string text)
    {
        var segments = new List<(int, int, AddedToken?)>();
        var emittedUpTo = 0;
        var searchFrom = 0;
        while (!IsEmpty && searchFrom < text.Length)
        {
            var found = text.AsSpan(searchFrom).IndexOfAny(_firstChars);
            if (found < 0)
            {
                break;
            }
            var at = searchFrom + found;
            var (length, token) = LongestAt(text, at);
            if (token is null)
            {
                searchFrom = at + 1;
                continue;
            }
            var start = at;
            var stop = at + length;
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

    /// <summary>The longest added token starting at <paramref name="at"/>, walking the trie.</summary>
    private (int Length, AddedToken? Token) LongestAt(string text, int at)
    {
        var node = _root;
        (int, AddedToken?) best = (0, null);
        for (var i = at; i < text.Length && node.Children is not null && node.Children.TryGetValue(text[i], out var child); i++)
        {
            node = child;
            if (node.Token is not null)
            {
                best = (i + 1 - at, node.Token);
            }
        }
        return best;
    }

    private static bool EndsWithWordCharacter(string text, int end) =>
        end > 0 && Rune.TryGetRuneAt(text, char.IsLowSurrogate(text[end - 1]) && end > 1 ? end - 2 : end - 1, out var rune)
        && IsWordCharacter(rune);

    private static bool StartsWithWordCharacter(string text, int start) =>
        start < text.Length && Rune.TryGetRuneAt(text, start, out var rune) && IsWordCharacter(rune);

    private static bool IsWordCharacter(Rune rune) => Rune.IsLetterOrDigit(rune) || rune.Value == '_';

    private sealed class TrieNode
    {
        public Dictionary<char, TrieNode>? Children { get; set; }

        public AddedToken? Token { get; set; }
    }
}
