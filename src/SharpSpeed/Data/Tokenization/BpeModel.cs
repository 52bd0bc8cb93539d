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

    [ThreadStatic]
    private static MergeWorkspace? t_workspace;

    private readonly Dictionary<string, int> _vocab;
    private readonly Dictionary<string, int>.AlternateLookup<ReadOnlySpan<char>> _vocabBySpan;
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
        _vocabBySpan = vocab.GetAlternateLookup<ReadOnlySpan<char>>();
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
        var dropout = section.Child("dropout");
        if (!dropout.IsNull && !(dropout.Element.ValueKind == JsonValueKind.Number && dropout.Element.GetDouble() == 0))
        {
            throw dropout.Error("is set: BPE dropout is a training-time randomization SharpSpeed does not apply");
        }
        var vocabSection = section.Child("vocab");
        if (vocabSection.Element.ValueKind != JsonValueKind.Object)
        {
            throw vocabSection.Error("must be an object of token -> id");
        }
        var vocab = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var entry in vocabSection.Element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.Number || !entry.Value.TryGetInt32(out var id) || id < 0)
            {
                throw vocabSection.Error($"has token '{entry.Name}' whose id is not a non-negative integer");
            }
            vocab[entry.Name] = id;
        }
        if (vocab.Count == 0)
        {
            throw vocabSection.Error("is empty: a BPE tokenizer needs at least one token");
        }
        var prefix = section.OptionalString("continuing_subword_prefix");
        var mergesSection = section.Child("merges");
        if (mergesSection.Element.ValueKind != JsonValueKind.Array)
        {
            throw mergesSection.Error("must be a list");
        }
        var merges = ReadMerges(section, mergesSection, vocab, prefix);
        var unk = section.OptionalString("unk_token");
        if (unk is not null && !vocab.ContainsKey(unk))
        {
            throw section.Child("unk_token").Error($"names '{unk}', which is not in model.vocab");
        }
        return new BpeModel(vocab, merges, unk, NullIfEmpty(prefix), NullIfEmpty(section.OptionalString("end_of_word_suffix")),
            section.Bool("fuse_unk", false), section.Bool("byte_fallback", false), section.Bool("ignore_merges", false));
    }

    /// <summary>
    /// Resolves every merge to (left id, right id, merged id) in parallel — three vocabulary lookups each for
    /// ~100k merges are most of the load time — then fills the table in rank order. The first bad merge in
    /// file order is reported, as a sequential reader would.
    /// </summary>
    private static MergeTable ReadMerges(JsonSection model, JsonSection list, Dictionary<string, int> vocab, string? prefix)
    {
        var elements = list.Element.EnumerateArray().ToArray();
        var resolved = new (int Left, int Right, int Merged)[elements.Length];
        var firstBad = elements.Length;
        // Partitioner refuses an empty range (a merge-free, character-level BPE is legal): a range of one that reads nothing.
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, Math.Max(1, elements.Length), 8192), range =>
        {
            for (var i = range.Item1; i < Math.Min(range.Item2, elements.Length); i++)
            {
                if (Resolve(elements[i], vocab, prefix, out resolved[i]) is not null)
                {
                    InterlockedMin(ref firstBad, i);
                    return;
                }
            }
        });
        if (firstBad < elements.Length)
        {
            var problem = Resolve(elements[firstBad], vocab, prefix, out _)!;
            throw new JsonSection(elements[firstBad], model.File, $"{list.Where}[{firstBad}]").Error(problem);
        }
        var merges = new MergeTable(elements.Length);
        for (var rank = 0; rank < resolved.Length; rank++)
        {
            merges.Set(resolved[rank].Left, resolved[rank].Right, rank, resolved[rank].Merged);
        }
        return merges;
    }

    /// <summary>The ids of one merge, or what is wrong with it.</summary>
    private static string? Resolve(JsonElement element, Dictionary<string, int> vocab, string? prefix,
        out (int Left, int Right, int Merged) ids)
    {
        ids = default;
        if (MergeParts(element) is not var (left, right))
        {
            return "must be \"left right\" or [\"left\", \"right\"]";
        }
        if (!vocab.TryGetValue(left, out var leftId) || !vocab.TryGetValue(right, out var rightId))
        {
            return $"merges '{left}' and '{right}', which are not both in model.vocab";
        }
        var merged = left + (string.IsNullOrEmpty(prefix) ? right : right[Math.Min(prefix.Length, right.Length)..]);
        if (!vocab.TryGetValue(merged, out var mergedId))
        {
            return $"makes '{merged}', which is not in model.vocab";
        }
        ids = (leftId, rightId, mergedId);
        return null;
    }

    private static void InterlockedMin(ref int target, int value)
    {
        for (var current = Volatile.Read(ref target); value < current; current = Volatile.Read(ref target))
        {
            if (Interlocked.CompareExchange(ref target, value, current) == current)
            {
                return;
            }
        }
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
        var work = t_workspace ??= new MergeWorkspace();
        var symbols = work.Symbols;
        symbols.Clear();
        AddInitialSymbols(piece, symbols);
        var count = symbols.Count;
        work.EnsureCapacity(count);
        var (id, prev, next, removed, queue) = (work.Ids, work.Prev, work.Next, work.Removed, work.Queue);
        queue.Clear();
        for (var i = 0; i < count; i++)
        {
            id[i] = symbols[i];
            prev[i] = i - 1;
            next[i] = i + 1 < count ? i + 1 : -1;
            removed[i] = false;
        }
        for (var i = 0; i + 1 < count; i++)
        {
            if (_merges.TryGet(id[i], id[i + 1], out var rank, out var newId))
            {
                queue.Enqueue((i, newId), Priority(rank, i));
            }
        }
        var remaining = count;
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
            remaining--;
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
        var result = new int[remaining];
        var written = 0;
        for (var i = count > 0 ? 0 : -1; i >= 0; i = next[i])
        {
            result[written++] = id[i];
        }
        return result;
    }

    /// <summary>One symbol per code point, as HF's merge_word builds them (including its order of a pending
    /// unknown token after byte-fallback symbols).</summary>
    private void AddInitialSymbols(string piece, List<int> symbols)
    {
        int? pendingUnk = null;
        var offset = 0;
        foreach (var rune in piece.EnumerateRunes())
        {
            var isFirst = offset == 0;
            var character = piece.AsSpan(offset, rune.Utf16SequenceLength);
            offset += rune.Utf16SequenceLength;
            var isLast = offset == piece.Length;
            var withAffixes = !isFirst && _continuingSubwordPrefix is not null || isLast && _endOfWordSuffix is not null;
            var symbol = withAffixes
                ? string.Concat(isFirst ? "" : _continuingSubwordPrefix, character, isLast ? _endOfWordSuffix : "")
                : character;
            if (_vocabBySpan.TryGetValue(symbol, out var known))
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
    }

    private bool TryAddBytes(ReadOnlySpan<char> symbol, List<int> symbols)
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

    /// <summary>Per-thread arrays and heap for <see cref="Merge"/>, grown to the longest piece seen.</summary>
    private sealed class MergeWorkspace
    {
        public List<int> Symbols { get; } = [];

        public PriorityQueue<(int Position, int NewId), long> Queue { get; } = new();

        public int[] Ids { get; private set; } = [];

        public int[] Prev { get; private set; } = [];

        public int[] Next { get; private set; } = [];

        public bool[] Removed { get; private set; } = [];

        public void EnsureCapacity(int count)
        {
            if (Ids.Length >= count)
            {
                return;
            }
            var size = Math.Max(count, Ids.Length * 2);
            (Ids, Prev, Next, Removed) = (new int[size], new int[size], new int[size], new bool[size]);
        }
    }
}
