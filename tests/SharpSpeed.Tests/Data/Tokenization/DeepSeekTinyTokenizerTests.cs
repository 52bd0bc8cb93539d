using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;

namespace SharpSpeed.Tests.Data.Tokenization;

public sealed class DeepSeekTinyTokenizerTests
{
    private static string AssetFolder => Path.Combine(NpmTokenizerCache.RepositoryRoot, "assets", "tokenizers", "deepseek-tiny");

    /// <summary>
    /// The committed files are exactly what the generator makes from DeepSeek-V3's real tokenizer.json.
    /// SHARPSPEED_WRITE_ASSETS=1 rewrites them instead (after changing the generator).
    /// </summary>
    [Fact]
    public void Committed_files_are_the_generator_output()
    {
        var (tokenizerJson, configJson) =
            DeepSeekTinyTokenizerGenerator.Generate(Path.Combine(TokenizerFamilies.DeepSeekV3, "tokenizer.json"));
        var tokenizerPath = Path.Combine(AssetFolder, "tokenizer.json");
        var configPath = Path.Combine(AssetFolder, "tokenizer_config.json");
        if (Environment.GetEnvironmentVariable("SHARPSPEED_WRITE_ASSETS") == "1")
        {
            Directory.CreateDirectory(AssetFolder);
            File.WriteAllText(tokenizerPath, tokenizerJson);
            File.WriteAllText(configPath, configJson);
        }
        Assert.Equal(tokenizerJson, File.ReadAllText(tokenizerPath));
        Assert.Equal(configJson, File.ReadAllText(configPath));
    }

    [Fact]
    public void Bundled_copy_loads_with_its_special_tokens()
    {
        var tokenizer = HfTokenizer.FromPath(BundledAssets.Locate("tokenizers/deepseek-tiny"));
        Assert.Equal(6000, tokenizer.VocabSize);
        Assert.Equal((0, 1, 2), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
        Assert.True(tokenizer.AddBosToken);
        Assert.StartsWith("{% if not add_generation_prompt", tokenizer.ChatTemplate);
        var ids = tokenizer.Encode("User: 你好，世界！\n\nAssistant: Hello<｜end▁of▁sentence｜>");
        Assert.Equal(0, ids[0]);
        Assert.Equal(1, ids[^1]);
        Assert.Equal("User: 你好，世界！\n\nAssistant: Hello", tokenizer.Decode(ids));
    }

    /// <summary>The kept merges include whole common Chinese characters and some words (at most one token per
    /// character instead of three byte tokens), and anything else still encodes through the byte alphabet.</summary>
    [Fact]
    public void Covers_Chinese_with_whole_characters_and_everything_else_with_bytes()
    {
        var tokenizer = HfTokenizer.FromPath(BundledAssets.Locate("tokenizers/deepseek-tiny"));
        const string common = "人工智能是计算机科学的一个分支。";
        Assert.InRange(tokenizer.Encode(common, addSpecialTokens: false).Length, 1, common.Length);
        const string rare = "龘𠀀😀";
        var ids = tokenizer.Encode(rare, addSpecialTokens: false);
        // Three characters, none of them a token: made of byte tokens (some byte pairs are merges).
        Assert.InRange(ids.Length, 4, System.Text.Encoding.UTF8.GetByteCount(rare));
        Assert.Equal(rare, tokenizer.Decode(ids));
    }
}
