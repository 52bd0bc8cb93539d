using System.Text;
using System.Text.Json;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// A HuggingFace tokenizer loaded from <c>tokenizer.json</c> (plus <c>tokenizer_config.json</c> when present),
/// implemented in managed code: <see cref="Encode"/> gives the ids HF <c>tokenizers</c>' <c>encode(text)</c>
/// gives, following HF's pipeline — added tokens found first, then normalizer, pre-tokenizer, BPE model and
/// post-processor; <see cref="Decode"/> runs the decoder. Thread-safe; <see cref="EncodeBatch"/> uses all cores.
/// </summary>
public sealed class HfTokenizer
{
    private readonly INormalizer? _normalizer;
    private readonly IPreTokenizer? _preTokenizer;
    private readonly BpeModel _model;
    private readonly IPostProcessor? _postProcessor;
    private readonly IDecoder? _decoder;
    private readonly TruncationAndPadding? _truncationAndPadding;
    private readonly AddedTokenMatcher _rawTokens;
    private readonly AddedTokenMatcher _normalizedTokens;
    private readonly Dictionary<string, AddedToken> _addedByContent;
    private readonly Dictionary<int, AddedToken> _addedById;
    private readonly string?[] _modelIdToToken;

    private HfTokenizer(string tokenizerJsonPath, JsonElement root, TokenizerConfig config)
    {
        TokenizerJsonPath = tokenizerJsonPath;
        Config = config;
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{tokenizerJsonPath}: expected a JSON object at the top level");
        }
        var top = new JsonSection(root, tokenizerJsonPath, string.Empty);
        _normalizer = Normalizers.FromJson(top.Child("normalizer"));
        _preTokenizer = PreTokenizers.FromJson(top.Child("pre_tokenizer"));
        var model = top.Child("model");
        if (model.IsNull)
        {
            throw model.Error("is required");
        }
        _model = BpeModel.FromJson(model);
        _postProcessor = PostProcessors.FromJson(top.Child("post_processor"));
        _decoder = Decoders.FromJson(top.Child("decoder"));
        _truncationAndPadding = TruncationAndPadding.FromJson(top.Child("truncation"), top.Child("padding"));

        var added = top.Child("added_tokens").IsNull
            ? []
            : AddedToken.AssignIds(top.Items("added_tokens").Select(ReadAddedToken), _model.Vocab);
        _addedByContent = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        _addedById = new Dictionary<int, AddedToken>();
        foreach (var token in added)
        {
            _addedByContent[token.Content] = token;
            _addedById[token.Id] = token;
        }
        _rawTokens = new AddedTokenMatcher(added.Where(t => !t.Normalized).Select(t => (t.Content, t)));
        // A "normalized" added token is looked for in normalized text, so its own text is normalized too.
        _normalizedTokens = new AddedTokenMatcher(
            added.Where(t => t.Normalized).Select(t => (_normalizer?.Normalize(t.Content) ?? t.Content, t)));

        var largestModelId = _model.Vocab.Count == 0 ? -1 : _model.Vocab.Values.Max();
        if (largestModelId > 2 * _model.Vocab.Count + 1024)
        {
            // Ids index arrays; a stray huge id must not become a huge allocation.
            throw model.Child("vocab").Error($"has id {largestModelId} for only {_model.Vocab.Count} tokens: ids must be dense");
        }
        _modelIdToToken = new string?[largestModelId + 1];
        foreach (var (token, id) in _model.Vocab)
        {
            _modelIdToToken[id] = token;
        }
        VocabSize = Math.Max(largestModelId, added.Count == 0 ? -1 : added.Max(t => t.Id)) + 1;
    }

    public string TokenizerJsonPath { get; }

    public TokenizerConfig Config { get; }

    /// <summary>One more than the largest id of the vocabulary or the added tokens: the embedding rows a model needs.</summary>
    public int VocabSize { get; }

    public string? BosToken => Config.BosToken;
    public string? EosToken => Config.EosToken;
    public string? PadToken => Config.PadToken;
    public int? BosId => BosToken is null ? null : TokenToId(BosToken);
    public int? EosId => EosToken is null ? null : TokenToId(EosToken);
    public int? PadId => PadToken is null ? null : TokenToId(PadToken);

    /// <summary>tokenizer_config.json's add_bos_token. <see cref="Encode"/> itself follows tokenizer.json's
    /// post-processor, as HF tokenizers does; a caller assembling ids by hand uses this flag.</summary>
    public bool AddBosToken => Config.AddBosToken;

    public string? ChatTemplate => Config.ChatTemplate;

    /// <summary>
    /// Loads a tokenizer.json file, or a folder holding tokenizer.json and optionally tokenizer_config.json.
    /// </summary>
    public static HfTokenizer FromPath(string fileOrDir)
    {
        string jsonPath;
        if (Directory.Exists(fileOrDir))
        {
            jsonPath = Path.Combine(fileOrDir, "tokenizer.json");
            if (!File.Exists(jsonPath))
            {
                throw new FileNotFoundException($"{fileOrDir}: no tokenizer.json in this folder", jsonPath);
            }
        }
        else if (File.Exists(fileOrDir))
        {
            jsonPath = fileOrDir;
        }
        else
        {
            throw new FileNotFoundException($"{fileOrDir}: no such tokenizer file or folder", fileOrDir);
        }
        jsonPath = Path.GetFullPath(jsonPath);
        var configPath = Path.Combine(Path.GetDirectoryName(jsonPath)!, "tokenizer_config.json");
        var config = File.Exists(configPath) ? TokenizerConfig.Load(configPath) : TokenizerConfig.Empty;
        var bytes = File.ReadAllBytes(jsonPath);
        // The JSON reader accepts invalid UTF-8 inside strings and fails only when one is read, deep in a parser.
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new InvalidDataException($"{jsonPath}: not valid UTF-8");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{jsonPath}: line {e.LineNumber + 1}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            try
            {
                return new HfTokenizer(jsonPath, document.RootElement, config);
            }
            catch (InvalidOperationException e)
            {
                // A value of the wrong JSON kind where the sections' own checks did not look: still one line naming the file.
                throw new InvalidDataException($"{jsonPath}: a value has the wrong JSON type ({e.Message})", e);
            }
        }
    }

    public int? TokenToId(string token) =>
        _addedByContent.TryGetValue(token, out var added) ? added.Id
        : _model.Vocab.TryGetValue(token, out var id) ? id
        : null;

    public string? IdToToken(int id) =>
        _addedById.TryGetValue(id, out var added) ? added.Content
        : id >= 0 && id < _modelIdToToken.Length ? _modelIdToToken[id]
        : null;

    /// <summary>Token ids of <paramref name="text"/>; with <paramref name="addSpecialTokens"/> the post-processor's
    /// special tokens (e.g. BOS) are added, as HF does by default. Added tokens written in the text are always
    /// recognized.</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        text = WithoutLoneSurrogates(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var pieces = new List<Piece>();
        foreach (var (start, end, token) in _rawTokens.Split(text))
        {
            if (token is not null)
            {
                ids.Add(token.Id);
                continue;
            }
            var segment = start == 0 && end == text.Length ? text : text[start..end];
            var normalized = _normalizer?.Normalize(segment) ?? segment;
            var segments = _normalizedTokens.IsEmpty
                ? [(0, normalized.Length, null)]
                : _normalizedTokens.Split(normalized);
            foreach (var (innerStart, innerEnd, innerToken) in segments)
            {
                if (innerToken is not null)
                {
                    ids.Add(innerToken.Id);
                    continue;
                }
                if (innerEnd == innerStart)
                {
                    continue;
                }
                var piece = new Piece(
                    innerStart == 0 && innerEnd == normalized.Length ? normalized : normalized[innerStart..innerEnd],
                    start == 0 && innerStart == 0);
                EncodePiece(piece, pieces, ids);
            }
        }
        return PostProcess(ids, addSpecialTokens).ToArray();
    }

    /// <summary>Encodes many texts on all cores (or <paramref name="maxDegreeOfParallelism"/> threads);
    /// result i belongs to text i.</summary>
    public int[][] EncodeBatch(IReadOnlyList<string> texts, bool addSpecialTokens = true, int maxDegreeOfParallelism = -1)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var results = new int[texts.Count][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = maxDegreeOfParallelism };
        Parallel.ForEach(System.Collections.Concurrent.Partitioner.Create(0, texts.Count, 64), options, range =>
        {
            for (var i = range.Item1; i < range.Item2; i++)
            {
                results[i] = Encode(texts[i], addSpecialTokens);
            }
        });
        return results;
    }

    /// <summary>Text of <paramref name="ids"/> through the tokenizer's decoder; ids with no token are skipped,
    /// as HF does, and special added tokens too unless <paramref name="skipSpecialTokens"/> is false.</summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true)
    {
        var tokens = new List<string>(ids.Length);
        foreach (var id in ids)
        {
            if (_addedById.TryGetValue(id, out var added))
            {
                if (!(skipSpecialTokens && added.Special))
                {
                    tokens.Add(added.Content);
                }
            }
            else if (id >= 0 && id < _modelIdToToken.Length && _modelIdToToken[id] is { } token)
            {
                if (!(skipSpecialTokens && _addedByContent.TryGetValue(token, out var same) && same.Special))
                {
                    tokens.Add(token);
                }
            }
        }
        return _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.DecodeChain(tokens));
    }

    /// <summary>HF's post_process: truncate (keeping room for the special tokens), add them, then pad.</summary>
    private List<int> PostProcess(List<int> ids, bool addSpecialTokens)
    {
        if (_truncationAndPadding is not null)
        {
            ids = _truncationAndPadding.Truncate(ids, addSpecialTokens ? _postProcessor?.AddedTokenCount ?? 0 : 0);
        }
        ids = _postProcessor?.Process(ids, addSpecialTokens) ?? ids;
        return _truncationAndPadding?.Pad(ids) ?? ids;
    }

    private void EncodePiece(Piece piece, List<Piece> scratch, List<int> ids)
    {
        if (_preTokenizer is null)
        {
            _model.Tokenize(piece.Text, ids);
            return;
        }
        scratch.Clear();
        _preTokenizer.Split(piece, scratch);
        foreach (var part in scratch)
        {
            _model.Tokenize(part.Text, ids);
        }
    }

    private static AddedToken ReadAddedToken(JsonSection token) => new(
        token.RequiredInt("id"),
        token.RequiredString("content"),
        token.Bool("single_word", false),
        token.Bool("lstrip", false),
        token.Bool("rstrip", false),
        token.Bool("normalized", true),
        token.Bool("special", false));

    /// <summary>HF sees text as UTF-8, where a lone UTF-16 surrogate arrives as U+FFFD; do the same.</summary>
    private static string WithoutLoneSurrogates(string text)
    {
        if (text.AsSpan().IndexOfAnyInRange('\uD800', '\uDFFF') < 0)
        {
            return text;
        }
        return Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
    }
}
