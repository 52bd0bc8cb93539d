using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// tokenizer.json's BPE model: a piece starts as one symbol per character (bytes as &lt;0xXX&gt; tokens with
/// byte_fallback, the unknown token otherwise), then the adjacent pair with the lowest merge rank is merged,
/// leftmost first, until no ranked pair is left — HF's Word::merge_all, with a heap of (rank, position).
/// </summary>
internal sealed class BpeModel
{
    private const int CacheCapacity = 100_000;
    private const int LongestCachedPiece = 64;

    private readonly Dictionary<string, int> _vocab;
    private readonly MergeTable _merges;
    private readonly ConcurrentDictionary<string, int[]> _cache = new(StringComparer.Ordinal);
    private int _cacheCount;
    private readonly string? _unkToken;
    private readonly string? _continuingSubwordPrefix;
    private readonly string? _endOfWordSuffix;
    private readonly bool _fuseUnk;
    private readonly bool _byteFallback;
    private readonly bool _ignoreMerges;
    private readonly int[] _byteFallbackIds;

    private BpeModel(Dictionary<string, int> vocab, MergeTable merges, string? unkToken,
        string? continuingSubwordPrefix, string? endOfWordSuffix, bool fuseUnk, bool byteFallback, bool ignoreMerges)
    {
        _vocab = vocab;
        _merges = merges;
        _unkToken = unkToken;
        _continuingSubwordPrefix = continuingSubwordPrefix;
        _endOfWordSuffix = endOfWordSuffix;
        _fuseUnk = fuseUnk;
        _byteFallback = byteFallback;
        _ignoreMerges = ignoreMerges;
        _byteFallbackIds = new int[256];
        for (var b = 0; b < 256; b++)
        {
            _byteFallbackIds[b] = vocab.GetValueOrDefault($"<0x{b:X2}>", -1);
        }
    }

    public IReadOnlyDictionary<string, int> Vocab => _vocab;

    public static BpeModel FromJson(JsonSection section)
    {
        if (section.Type != "BPE")
        {
            throw section.Unsupported("model");
        }
        if (!section.Child("dropout").IsNull && section.Child("dropout").Element.GetDouble() != 0)
        {
            throw section.Child("dropout").Error("is set: BPE dropout is a training-time randomization SharpSpeed does not apply");
        }
        var vocabSection = section.Child("vocab");
        if (vocabSection.Element.ValueKind != JsonValueKind.Object)
        {
            throw vocabSection.Error("must be an object of token -> id");
        }
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabSection.Element.EnumerateObject())
        {
            if (!entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw vocabSection.Error($"has token '{entry.Name}' whose id is not a non-negative integer");
            }
            vocab[entry.Name] = id;
        }
        var prefix = section.OptionalString("continuing_subword_prefix");
        var mergesSection = section.Child("merges");
        if (mergesSection.Element.ValueKind != JsonValueKind.Array)
        {
            throw mergesSection.Error("must be a list");
        }
        var merges = new MergeTable(mergesSection.Element.GetArrayLength());
        var rank = 0;
        // Sections (with their "where" text) are made only for an error: there are ~100k merges.
        foreach (var element in mergesSection.Element.EnumerateArray())
        {
            JsonSection Merge() => new(element, section.File, $"{mergesSection.Where}[{rank}]");
            var (left, right) = MergeParts(element) ?? throw Merge().Error("must be \"left right\" or [\"left\", \"right\"]");
            if (!vocab.TryGetValue(left, out var leftId) || !vocab.TryGetValue(right, out var rightId))
            {
                throw Merge().Error($"merges '{left}' and '{right}', which are not both in model.vocab");
            }
            var merged = left + (string.IsNullOrEmpty(prefix) ? right : right[Math.Min(prefix.Length, right.Length)..]);
            if (!vocab.TryGetValue(merged, out var newId))
            {
                throw Merge().Error($"makes '{merged}', which is not in model.vocab");
            }
            merges.Set(leftId, rightId, rank++, newId);
        }
        var unk = section.OptionalString("unk_token");
        if (unk is not null && !vocab.ContainsKey(unk))
        {
            throw section.Child("unk_token").Error($"names '{unk}', which is not in model.vocab");
        }
        return new BpeModel(vocab, merges, unk, NullIfEmpty(prefix), NullIfEmpty(section.OptionalString("end_of_word_suffix")),
            section.Bool("fuse_unk", false), section.Bool("byte_fallback", false), section.Bool("ignore_merges", false));
    }

    /// <summary>Appends the ids of one pre-tokenized piece.</summary>
    public void Tokenize(string piece, List<int> ids)
    {
        if (piece.Length == 0)
        {
            return;
        }
        if (_ignoreMerges && _vocab.TryGetValue(piece, out var whole))
        {
            ids.Add(whole);
            return;
        }
        if (_cache.TryGetValue(piece, out var cached))
        {
            ids.AddRange(cached);
            return;
        }
        var word = Merge(piece);
        // ConcurrentDictionary.Count takes every lock, so the fill level is counted here instead.
        if (piece.Length <= LongestCachedPiece && Volatile.Read(ref _cacheCount) < CacheCapacity && _cache.TryAdd(piece, word))
        {
            Interlocked.Increment(ref _cacheCount);
        }
        ids.AddRange(word);
    }

    private int[] Merge(string piece)
    {
        var symbols = InitialSymbols(piece);
        var count = symbols.Count;
        var id = symbols.ToArray();
        var prev = new int[count];
        var next = new int[count];
        var removed = new bool[count];
        for (var i = 0; i < count; i++)
        {
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
        }
        var queue = new PriorityQueue<(int Position, int NewId), long>();
        for (var i = 0; i + 1 < count; i++)
        {
            if (_merges.TryGet(id[i], id[i + 1], out var rank, out var newId))
            {
                queue.Enqueue((i, newId), Priority(rank, i));
            }
        }
        while (queue.TryDequeue(out var top, out _))
        {
            var at = top.Position;
            if (removed[at] || next[at] < 0)
            {
                continue;
            }
            var right = next[at];
            // An entry is stale when either side has changed since it was queued.
            if (!_merges.TryGet(id[at], id[right], out _, out var currentNewId) || currentNewId != top.NewId)
            {
                continue;
            }
            id[at] = top.NewId;
            removed[right] = true;
            next[at] = next[right];
            if (next[at] >= 0)
            {
                prev[next[at]] = at;
            }
            if (prev[at] >= 0 && _merges.TryGet(id[prev[at]], id[at], out var leftRank, out var leftNewId))
            {
                queue.Enqueue((prev[at], leftNewId), Priority(leftRank, prev[at]));
            }
            if (next[at] >= 0 && _merges.TryGet(id[at], id[next[at]], out var rightRank, out var rightNewId))
            {
                queue.Enqueue((at, rightNewId), Priority(rightRank, at));
            }
        }
        var result = new List<int>(count);
        for (var i = 0; i >= 0 && i < count; i = next[i])
        {
            result.Add(id[i]);
        }
        return result.ToArray();
    }

    /// <summary>One symbol per code point, as HF's merge_word builds them (including its order of a pending
    /// unknown token after byte-fallback symbols).</summary>
    private List<int> InitialSymbols(string piece)
    {
        var symbols = new List<int>(piece.Length);
        int? pendingUnk = null;
        var runes = piece.EnumerateRunes();
        var offset = 0;
        foreach (var rune in runes)
        {
            var isFirst = offset == 0;
            offset += rune.Utf16SequenceLength;
            var isLast = offset == piece.Length;
            var symbol = rune.ToString();
            if (!isFirst && _continuingSubwordPrefix is not null)
            {
                symbol = _continuingSubwordPrefix + symbol;
            }
            if (isLast && _endOfWordSuffix is not null)
            {
                symbol += _endOfWordSuffix;
            }
            if (_vocab.TryGetValue(symbol, out var known))
            {
                if (pendingUnk is { } unkBefore)
                {
                    symbols.Add(unkBefore);
                    pendingUnk = null;
                }
                symbols.Add(known);
                continue;
            }
            if (_byteFallback && TryAddBytes(symbol, symbols))
            {
                continue;
            }
            if (_unkToken is null)
            {
                throw new InvalidOperationException(
                    $"character U+{rune.Value:X4} is not in the BPE vocabulary and the tokenizer has no unk_token");
            }
            var unkId = _vocab[_unkToken];
            if (pendingUnk is not null && !_fuseUnk)
            {
                symbols.Add(unkId);
            }
            pendingUnk = unkId;
        }
        if (pendingUnk is { } unkAtEnd)
        {
            symbols.Add(unkAtEnd);
        }
        return symbols;
    }

    private bool TryAddBytes(string symbol, List<int> symbols)
    {
        Span<byte> bytes = stackalloc byte[Encoding.UTF8.GetMaxByteCount(symbol.Length)];
        var length = Encoding.UTF8.GetBytes(symbol, bytes);
        foreach (var b in bytes[..length])
        {
            if (_byteFallbackIds[b] < 0)
            {
                return false;
            }
        }
        foreach (var b in bytes[..length])
        {
            symbols.Add(_byteFallbackIds[b]);
        }
        return true;
    }

    /// <summary>A merge is written "left right" or ["left", "right"]; null for anything else.</summary>
    private static (string Left, string Right)? MergeParts(JsonElement element)
    {
        if (element.ValueKind == JsonValueKind.String)
        {
            var text = element.GetString()!;
            var space = text.IndexOf(' ', StringComparison.Ordinal);
            if (space >= 0 && text.IndexOf(' ', space + 1) < 0)
            {
                return (text[..space], text[(space + 1)..]);
            }
        }
        else if (element.ValueKind == JsonValueKind.Array && element.GetArrayLength() == 2
                 && element[0].ValueKind == JsonValueKind.String && element[1].ValueKind == JsonValueKind.String)
        {
            return (element[0].GetString()!, element[1].GetString()!);
        }
        return null;
    }

    private static long Priority(int rank, int position) => ((long)rank << 32) | (uint)position;

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
