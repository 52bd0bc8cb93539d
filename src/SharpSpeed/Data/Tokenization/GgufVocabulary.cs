using System.Text.Json;
using System.Text.RegularExpressions;
using SharpSpeed.IO.Gguf;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// A tokenizer.json (+ tokenizer_config.json) as the tokenizer.* keys of a GGUF file, laid out as llama.cpp's
/// convert_hf_to_gguf.py lays them out: byte-level BPE becomes tokenizer.ggml.model <c>gpt2</c> with its merges
/// and the llama.cpp pre-tokenizer name whose regexes are the file's; SentencePiece-style BPE (Metaspace, byte
/// fallback) becomes <c>llama</c> with scores ranking tokens by the merge that makes them. Exactly vocab_size
/// tokens are written, missing ids padded as [PAD{id}].
/// </summary>
public static partial class GgufVocabulary
{
    /// <summary>llama.cpp's llama_token_type values.</summary>
    private const int Normal = 1, Unknown = 2, Control = 3, UserDefined = 4, Unused = 5, ByteToken = 6;

    /// <summary>Split regexes (in order) of the pre-tokenizers llama.cpp knows, by its tokenizer.ggml.pre name.</summary>
    private static readonly (string Name, string[] Patterns)[] KnownPreTokenizers =
    [
        ("llama-bpe", [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]),
        ("qwen2", [@"(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"]),
        ("deepseek-v3",
        [
            @"\p{N}{1,3}",
            "[一-龥\u3040-ゟ゠-ヿ]+",
            "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+| ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+",
        ]),
    ];

    public static IEnumerable<string> KnownPreNames => KnownPreTokenizers.Select(k => k.Name).Prepend("gpt-2");

    [GeneratedRegex("^<0x[0-9A-Fa-f]{2}>$")]
    private static partial Regex ByteTokenText();

    /// <summary>
    /// The tokenizer keys for the tokenizer in <paramref name="tokenizerDir"/>. <paramref name="preName"/> overrides
    /// the detected pre-tokenizer name; <paramref name="fallback"/> supplies special ids that tokenizer_config.json lacks.
    /// </summary>
    public static List<KeyValuePair<string, GgufValue>> For(
        string tokenizerDir, int vocabSize, SpecialTokenIds fallback, string? preName = null)
    {
        var tokenizer = HfTokenizer.FromPath(tokenizerDir);
        var path = tokenizer.TokenizerJsonPath;
        using var document = JsonDocument.Parse(File.ReadAllBytes(path));
        var root = document.RootElement;
        var model = root.GetProperty("model");
        var modelType = model.TryGetProperty("type", out var t) ? t.GetString() : "BPE";
        if (modelType != "BPE")
        {
            throw new InvalidDataException($"{path}: tokenizer model '{modelType}' cannot be exported to GGUF (BPE only)");
        }
        var texts = new string?[vocabSize];
        var types = new int[vocabSize];
        if (!model.TryGetProperty("vocab", out var vocab) || vocab.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{path}: model.vocab is missing or not an object");
        }
        foreach (var entry in vocab.EnumerateObject())
        {
            Place(path, texts, types, entry.Value.GetInt32(), entry.Name, Normal);
        }
        var unk = tokenizer.Config.UnkToken ?? (model.TryGetProperty("unk_token", out var u) ? u.GetString() : null);
        if (root.TryGetProperty("added_tokens", out var added))
        {
            foreach (var token in added.EnumerateArray())
            {
                var content = token.GetProperty("content").GetString()!;
                var special = token.TryGetProperty("special", out var s) && s.GetBoolean();
                Place(path, texts, types, token.GetProperty("id").GetInt32(), content,
                    content == unk ? Unknown : special || LooksSpecial(content) ? Control : UserDefined);
            }
        }
        var merges = Merges(model);
        var byteLevel = UsesByteLevel(root);

        var keys = new List<KeyValuePair<string, GgufValue>>();
        void Add(string key, GgufValue value) => keys.Add(new(key, value));
        Add("tokenizer.ggml.model", GgufValue.Of(byteLevel ? "gpt2" : "llama"));
        Add("tokenizer.ggml.pre", GgufValue.Of(byteLevel ? preName ?? DetectPreName(path, root) : preName ?? "default"));
        for (var id = 0; id < vocabSize; id++)
        {
            if (texts[id] is null)
            {
                texts[id] = $"[PAD{id}]";
                types[id] = Unused;
            }
            else if (!byteLevel && types[id] == Normal && ByteTokenText().IsMatch(texts[id]!))
            {
                types[id] = ByteToken;
            }
        }
        Add("tokenizer.ggml.tokens", GgufValue.Of(texts!));
        if (!byteLevel)
        {
            Add("tokenizer.ggml.scores", GgufValue.Of(ScoresFromMerges(texts!, merges)));
        }
        Add("tokenizer.ggml.token_type", GgufValue.Of(types));
        if (byteLevel)
        {
            Add("tokenizer.ggml.merges", GgufValue.Of(merges));
        }
        else
        {
            Add("tokenizer.ggml.add_space_prefix", GgufValue.Of(AddsSpacePrefix(root)));
        }

        var bos = tokenizer.BosId ?? fallback.Bos;
        var eos = tokenizer.EosId ?? fallback.Eos;
        AddId(keys, "bos", bos);
        AddId(keys, "eos", eos);
        AddId(keys, "unknown", unk is null ? null : tokenizer.TokenToId(unk));
        AddId(keys, "padding", tokenizer.PadId ?? fallback.Pad);
        // What SharpSpeed's encoder does to plain text (its post-processor), so llama.cpp adds the same specials.
        var probe = tokenizer.Encode("a");
        Add("tokenizer.ggml.add_bos_token", GgufValue.Of(bos is { } b && probe.Length > 0 && probe[0] == b));
        Add("tokenizer.ggml.add_eos_token", GgufValue.Of(eos is { } e && probe.Length > 1 && probe[^1] == e));
        if (tokenizer.ChatTemplate is { } template)
        {
            Add("tokenizer.chat_template", GgufValue.Of(template));
        }
        return keys;
    }

    private static void AddId(List<KeyValuePair<string, GgufValue>> keys, string name, int? id)
    {
        if (id is { } value)
        {
            keys.Add(new($"tokenizer.ggml.{name}_token_id", GgufValue.Of((uint)value)));
        }
    }

    private static void Place(string path, string?[] texts, int[] types, int id, string text, int type)
    {
        if (id < 0 || id >= texts.Length)
        {
            throw new InvalidDataException($"{path}: token '{text}' has id {id}, outside the model's vocab_size {texts.Length}");
        }
        texts[id] = text;
        types[id] = type;
    }

    /// <summary>The converter's does_token_look_special: chat markers written &lt;|...|&gt; or &lt;｜...｜&gt;.</summary>
    private static bool LooksSpecial(string text) =>
        (text.StartsWith("<|", StringComparison.Ordinal) && text.EndsWith("|>", StringComparison.Ordinal))
        || (text.StartsWith("<｜", StringComparison.Ordinal) && text.EndsWith("｜>", StringComparison.Ordinal));

    /// <summary>Merges as "left right" strings; tokenizer.json writes them either that way or as two-element arrays.</summary>
    private static string[] Merges(JsonElement model)
    {
        if (!model.TryGetProperty("merges", out var merges))
        {
            return [];
        }
        return merges.EnumerateArray()
            .Select(m => m.ValueKind == JsonValueKind.Array
                ? string.Join(' ', m.EnumerateArray().Select(p => p.GetString()))
                : m.GetString()!)
            .ToArray();
    }

    /// <summary>
    /// llama.cpp's SentencePiece tokenizer merges the adjacent pair whose joined text scores highest; scoring each
    /// token by minus the rank of the merge that makes it reproduces BPE's merge order.
    /// </summary>
    private static float[] ScoresFromMerges(string[] texts, string[] merges)
    {
        var rankOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var rank = 0; rank < merges.Length; rank++)
        {
            rankOf.TryAdd(merges[rank].Replace(" ", "", StringComparison.Ordinal), rank);
        }
        return texts.Select(text => rankOf.TryGetValue(text, out var rank) ? -(float)rank - 1 : 0f).ToArray();
    }

    private static bool UsesByteLevel(JsonElement root) =>
        Components(root, "pre_tokenizer", "pretokenizers").Any(c => TypeOf(c) == "ByteLevel")
        || Components(root, "decoder", "decoders").Any(c => TypeOf(c) == "ByteLevel");

    private static bool AddsSpacePrefix(JsonElement root)
    {
        foreach (var component in Components(root, "pre_tokenizer", "pretokenizers"))
        {
            if (TypeOf(component) == "Metaspace")
            {
                return component.TryGetProperty("prepend_scheme", out var scheme) ? scheme.GetString() != "never"
                    : !component.TryGetProperty("add_prefix_space", out var add) || add.GetBoolean();
            }
        }
        return Components(root, "normalizer", "normalizers")
            .Any(c => TypeOf(c) == "Prepend" && c.TryGetProperty("prepend", out var p) && p.GetString() == "\u2581");
    }

    private static string DetectPreName(string path, JsonElement root)
    {
        var pieces = Components(root, "pre_tokenizer", "pretokenizers").ToList();
        var splits = pieces.Where(c => TypeOf(c) == "Split")
            .Select(c => c.GetProperty("pattern").TryGetProperty("Regex", out var r) ? r.GetString() : null)
            .ToArray();
        var byteLevelRegex = pieces.Any(c => TypeOf(c) == "ByteLevel"
            && (!c.TryGetProperty("use_regex", out var use) || use.GetBoolean()));
        if (splits.Length == 0 && byteLevelRegex)
        {
            return "gpt-2";
        }
        foreach (var (name, patterns) in KnownPreTokenizers)
        {
            if (!byteLevelRegex && patterns.SequenceEqual(splits))
            {
                return name;
            }
        }
        throw new InvalidDataException(
            $"{path}: its pre-tokenizer matches none that llama.cpp names here ({string.Join(", ", KnownPreNames)}); "
            + "pass --tokenizer_pre NAME with llama.cpp's name for it");
    }

    /// <summary>A component and, when it is a Sequence, its parts.</summary>
    private static IEnumerable<JsonElement> Components(JsonElement root, string key, string listKey)
    {
        if (!root.TryGetProperty(key, out var component) || component.ValueKind != JsonValueKind.Object)
        {
            yield break;
        }
        if (component.TryGetProperty(listKey, out var parts) && parts.ValueKind == JsonValueKind.Array)
        {
            foreach (var part in parts.EnumerateArray())
            {
                yield return part;
            }
        }
        else
        {
            yield return component;
        }
    }

    private static string? TypeOf(JsonElement component) =>
        component.TryGetProperty("type", out var type) ? type.GetString() : null;
}

/// <summary>Special token ids from config.json / generation_config.json, used where tokenizer_config.json names none.</summary>
public sealed record SpecialTokenIds(int? Bos, int? Eos, int? Pad);
