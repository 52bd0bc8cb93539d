using System.Text.Json.Nodes;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>Bad or unsupported tokenizer files fail with one message naming the file and the key.</summary>
public sealed class TokenizerLoadingTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("sharpspeed-tokenizer-loading-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static JsonObject Minimal() => new()
    {
        ["version"] = "1.0",
        ["added_tokens"] = new JsonArray(),
        ["normalizer"] = null,
        ["pre_tokenizer"] = null,
        ["post_processor"] = null,
        ["decoder"] = null,
        ["model"] = new JsonObject
        {
            ["type"] = "BPE",
            ["vocab"] = new JsonObject { ["a"] = 0, ["b"] = 1, ["ab"] = 2 },
            ["merges"] = new JsonArray("a b"),
        },
    };

    private static JsonObject Added(int id, string content, bool special) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = false, ["lstrip"] = false, ["rstrip"] = false,
        ["normalized"] = false, ["special"] = special,
    };

    private string Write(JsonNode document, string? config = null)
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer.json"), document.ToJsonString());
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(_folder, "tokenizer_config.json"), config);
        }
        return _folder;
    }

    [Fact]
    public void A_minimal_file_encodes_with_its_merges()
    {
        var tokenizer = HfTokenizer.FromPath(Write(Minimal()));
        Assert.Equal(new[] { 2, 0, 2 }, tokenizer.Encode("abaab"));
        Assert.Equal("ab a ab", tokenizer.Decode([2, 0, 2]));
        Assert.Null(tokenizer.BosId);
        Assert.Equal(3, tokenizer.VocabSize);
    }

    [Fact]
    public void Unsupported_component_names_file_key_and_type()
    {
        var document = Minimal();
        document["pre_tokenizer"] = new JsonObject { ["type"] = "UnicodeScripts" };
        var error = Assert.Throws<NotSupportedException>(() => HfTokenizer.FromPath(Write(document)));
        Assert.Equal($"{_folder}/tokenizer.json: 'pre_tokenizer': pre-tokenizer type 'UnicodeScripts' is not supported by SharpSpeed's tokenizer",
            error.Message);
    }

    private static JsonObject WithNfc()
    {
        var document = Minimal();
        document["normalizer"] = new JsonObject
        {
            ["type"] = "Sequence", ["normalizers"] = new JsonArray(new JsonObject { ["type"] = "NFC" }),
        };
        return document;
    }

    /// <summary>SharpSpeed runs with ICU, so an NFC normalizer (Qwen's) loads and composes; the family parity
    /// tests compare the ids with HF's.</summary>
    [Fact]
    public void Unicode_normalizers_load_with_ICU()
    {
        var tokenizer = HfTokenizer.FromPath(Write(WithNfc()));
        Assert.Equal(new[] { 2, 0 }, tokenizer.Encode("aba"));
    }

    /// <summary>Where libicu is missing the launcher runs .NET in invariant mode, where it cannot normalize: an NFC
    /// normalizer is refused at load, in one line, instead of silently giving unnormalized ids.</summary>
    [Fact]
    public async Task Unicode_normalizers_without_ICU_fail_in_one_line()
    {
        Write(WithNfc());
        var info = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true, RedirectStandardError = true,
        };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll"), "tokenize",
                     "--tokenizer", _folder, "--text", "ab", "--json"])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["DOTNET_SYSTEM_GLOBALIZATION_INVARIANT"] = "1";
        using var process = System.Diagnostics.Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.NotEqual(0, process.ExitCode);
        Assert.Equal("", await output);
        var line = Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains($"{_folder}/tokenizer.json: 'normalizer.normalizers[0]': Unicode normalizer NFC needs ICU", line);
        Assert.Contains("apt-get install libicu72", line);
    }

    [Fact]
    public void Unigram_models_are_refused_by_name()
    {
        var document = Minimal();
        document["model"] = new JsonObject { ["type"] = "Unigram", ["vocab"] = new JsonArray() };
        var error = Assert.Throws<NotSupportedException>(() => HfTokenizer.FromPath(Write(document)));
        Assert.Contains("'model': model type 'Unigram' is not supported", error.Message);
    }

    [Fact]
    public void Merge_of_unknown_symbols_names_the_merge()
    {
        var document = Minimal();
        document["model"]!["merges"] = new JsonArray("a b", "b c");
        var error = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromPath(Write(document)));
        Assert.Equal($"{_folder}/tokenizer.json: 'model.merges[1]' merges 'b' and 'c', which are not both in model.vocab", error.Message);
    }

    [Fact]
    public void Sparse_vocabulary_ids_are_refused()
    {
        var document = Minimal();
        document["model"]!["vocab"]!["b"] = 2_000_000_000;
        var error = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromPath(Write(document)));
        Assert.Equal($"{_folder}/tokenizer.json: 'model.vocab' has id 2000000000 for only 3 tokens: ids must be dense", error.Message);
    }

    [Fact]
    public void Malformed_json_names_file_and_line()
    {
        File.WriteAllText(Path.Combine(_folder, "tokenizer.json"), "{\n  \"model\": {\n    \"type\": \"BPE\",,\n");
        var error = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromPath(_folder));
        Assert.StartsWith($"{_folder}/tokenizer.json: line 3: not valid JSON", error.Message);
    }

    [Fact]
    public void Config_with_a_wrong_token_type_names_the_key()
    {
        var error = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromPath(Write(Minimal(), "{\"bos_token\": 5}")));
        Assert.Equal($"{_folder}/tokenizer_config.json: key 'bos_token' must be a string or an object with a string 'content'",
            error.Message);
    }

    [Fact]
    public void Config_gives_special_tokens_written_as_objects_and_the_default_template()
    {
        const string config = """
            {"bos_token": {"__type": "AddedToken", "content": "a"}, "eos_token": "b", "pad_token": null,
             "add_bos_token": true, "chat_template": [{"name": "tool_use", "template": "T"}, {"name": "default", "template": "D"}]}
            """;
        var tokenizer = HfTokenizer.FromPath(Write(Minimal(), config));
        Assert.Equal((0, 1), (tokenizer.BosId, tokenizer.EosId));
        Assert.Null(tokenizer.PadId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal("D", tokenizer.ChatTemplate);
    }

    /// <summary>HF ignores the ids written in added_tokens: a text already in the vocabulary keeps its model id,
    /// a new one gets the next free id, and a repeated text keeps its first definition.</summary>
    [Fact]
    public void Added_token_ids_follow_HF_not_the_file()
    {
        var document = Minimal();
        document["added_tokens"] = new JsonArray(
            Added(10, "<new>", special: true), Added(11, "ab", special: false), Added(12, "<two>", special: false),
            Added(13, "<new>", special: false));
        var path = Write(document);
        var tokenizer = HfTokenizer.FromPath(path);
        Assert.Equal((3, 2, 4), (tokenizer.TokenToId("<new>"), tokenizer.TokenToId("ab"), tokenizer.TokenToId("<two>")));
        Assert.Equal(5, tokenizer.VocabSize);
        using var reference = new ReferenceTokenizer(Path.Combine(path, "tokenizer.json"));
        const string text = "a<new>ab<two>b";
        Assert.Equal(reference.Encode(text), tokenizer.Encode(text));
        Assert.Equal(new[] { 0, 3, 2, 4, 1 }, tokenizer.Encode(text));
    }
}
