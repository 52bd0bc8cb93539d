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
}
