using System.Text.Json.Nodes;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// A HuggingFace tokenizer loaded from <c>tokenizer.json</c> (plus <c>tokenizer_config.json</c> when present):
/// <see cref="Encode"/> gives the ids HF <c>tokenizer.encode(text)</c> gives.
/// </summary>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Design", "CA1001",
    Justification = "Interim engine: the native tokenizers live as long as the tokenizer object and free themselves on finalization.")]
public sealed class HfTokenizer
{
    private readonly Dictionary<string, int> _tokenToId;
    private readonly string?[] _idToToken;
    private readonly Tokenizers.DotNet.Tokenizer _withSpecials;
    private readonly Tokenizers.DotNet.Tokenizer _withoutSpecials;
    private readonly Tokenizers.DotNet.Tokenizer _keepingSpecialsOnDecode;

    private HfTokenizer(string tokenizerJsonPath, TokenizerConfig config)
    {
        TokenizerJsonPath = tokenizerJsonPath;
        Config = config;
        JsonNode root;
        try
        {
            root = JsonNode.Parse(File.ReadAllText(tokenizerJsonPath))
                   ?? throw new InvalidDataException($"{tokenizerJsonPath}: empty JSON document");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw new InvalidDataException($"{tokenizerJsonPath}: line {e.LineNumber + 1}: not valid JSON: {e.Message}", e);
        }
        _tokenToId = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (token, id) in root["model"]?["vocab"]?.AsObject()
                                    ?? throw new InvalidDataException($"{tokenizerJsonPath}: missing key 'model.vocab'"))
        {
            _tokenToId[token] = id!.GetValue<int>();
        }
        foreach (var added in root["added_tokens"]?.AsArray() ?? [])
        {
            _tokenToId[added!["content"]!.GetValue<string>()] = added["id"]!.GetValue<int>();
        }
        VocabSize = _tokenToId.Values.Max() + 1;
        _idToToken = new string?[VocabSize];
        foreach (var (token, id) in _tokenToId)
        {
            _idToToken[id] = token;
        }

        _withSpecials = new Tokenizers.DotNet.Tokenizer(tokenizerJsonPath);
        var withoutPostProcessor = root.DeepClone();
        withoutPostProcessor["post_processor"] = null;
        _withoutSpecials = LoadVariant(withoutPostProcessor, "no-post-processor.json");
        var noSpecialFlags = root.DeepClone();
        foreach (var added in noSpecialFlags["added_tokens"]?.AsArray() ?? [])
        {
            added!["special"] = false;
        }
        _keepingSpecialsOnDecode = LoadVariant(noSpecialFlags, "no-special-flags.json");
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
    public bool AddBosToken => Config.AddBosToken;
    public string? ChatTemplate => Config.ChatTemplate;

    /// <summary>
    /// Loads a tokenizer.json file, or a folder holding tokenizer.json and optionally tokenizer_config.json.
    /// </summary>
    public static HfTokenizer FromPath(string fileOrDir)
    {
        string jsonPath;
        string? configPath;
        if (Directory.Exists(fileOrDir))
        {
            jsonPath = Path.Combine(fileOrDir, "tokenizer.json");
            if (!File.Exists(jsonPath))
            {
                throw new FileNotFoundException($"{fileOrDir}: no tokenizer.json in this folder", jsonPath);
            }
            configPath = Path.Combine(fileOrDir, "tokenizer_config.json");
        }
        else if (File.Exists(fileOrDir))
        {
            jsonPath = fileOrDir;
            configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(fileOrDir))!, "tokenizer_config.json");
        }
        else
        {
            throw new FileNotFoundException($"{fileOrDir}: no such tokenizer file or folder", fileOrDir);
        }
        var config = File.Exists(configPath) ? TokenizerConfig.Load(configPath) : TokenizerConfig.Empty;
        return new HfTokenizer(Path.GetFullPath(jsonPath), config);
    }

    public int? TokenToId(string token) => _tokenToId.TryGetValue(token, out var id) ? id : null;

    public string? IdToToken(int id) => id >= 0 && id < _idToToken.Length ? _idToToken[id] : null;

    /// <summary>Token ids of <paramref name="text"/>; with <paramref name="addSpecialTokens"/> the post-processor's
    /// special tokens (e.g. BOS) are added, as HF does by default.</summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        var engine = addSpecialTokens ? _withSpecials : _withoutSpecials;
        return Array.ConvertAll(engine.Encode(text), id => checked((int)id));
    }

    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = true)
    {
        var raw = new uint[ids.Length];
        for (var i = 0; i < ids.Length; i++)
        {
            raw[i] = checked((uint)ids[i]);
        }
        return (skipSpecialTokens ? _withSpecials : _keepingSpecialsOnDecode).Decode(raw);
    }

    /// <summary>The native tokenizer reads its file once while loading, so the variant file is removed at once.</summary>
    private static Tokenizers.DotNet.Tokenizer LoadVariant(JsonNode document, string fileName)
    {
        var folder = Directory.CreateTempSubdirectory("sharpspeed-tokenizer-").FullName;
        try
        {
            var path = Path.Combine(folder, fileName);
            File.WriteAllText(path, document.ToJsonString());
            return new Tokenizers.DotNet.Tokenizer(path);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
