using System.Globalization;
using System.Text.Json.Nodes;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Engine.Config;
using SharpSpeed.Models;
using SharpSpeed.Tests.Data.Tokenization;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Foundation;

/// <summary>
/// SharpSpeed runs with ICU, so the thread's culture (from LANG) reaches every culture-sensitive API. Turkish
/// lower-cases "I" to dotless "ı"; German reads "7.5e9" as 75e9 (the dot is its group separator) and writes
/// 0.5 as "0,5". Tokenization, config files and the command line must not notice.
/// </summary>
public sealed class CultureInvarianceTests
{
    public static TheoryData<string> Cultures => ["tr-TR", "de-DE"];

    private static T Under<T>(string culture, Func<T> action)
    {
        var (saved, savedUi) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.GetCultureInfo(culture);
        try
        {
            return action();
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (saved, savedUi);
        }
    }

    [Fact]
    public void The_cultures_really_differ_here()
    {
        // Guards the other tests: under invariant globalization every culture would behave like English.
        Assert.Equal("ı", Under("tr-TR", () => "I".ToLower(CultureInfo.CurrentCulture)));
        Assert.Equal("0,5", Under("de-DE", () => 0.5.ToString(CultureInfo.CurrentCulture)));
    }

    /// <summary>A Lowercase normalizer (Rust's culture-free Unicode lower-casing in HF) in front of the byte-level
    /// deepseek-tiny vocabulary, then Qwen3 (NFC), each against HF's Rust tokenizers.</summary>
    [Theory]
    [MemberData(nameof(Cultures))]
    public void Tokenization_ignores_the_culture(string culture)
    {
        var json = JsonNode.Parse(File.ReadAllText(
            Path.Combine(SharpSpeed.IO.BundledAssets.Locate("tokenizers/deepseek-tiny"), "tokenizer.json")))!;
        json["normalizer"] = new JsonObject { ["type"] = "Lowercase" };
        var path = Path.Combine(Path.GetTempPath(), $"sharpspeed-culture-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, json.ToJsonString());
        try
        {
            string[] texts = ["ISTANBUL Istanbul DIYARBAKIR ıi", "Straße STRASSE Ölçü ÇİĞ", "TITLE Case Iİ 3.5 1,000"];
            using var reference = new ReferenceTokenizer(path);
            var lowercasing = Under(culture, () => HfTokenizer.FromPath(path));
            var qwen3 = Under(culture, () => HfTokenizer.FromPath(TokenizerFamilies.Qwen3));
            using var qwen3Reference = new ReferenceTokenizer(Path.Combine(TokenizerFamilies.Qwen3, "tokenizer.json"));
            foreach (var text in texts.Concat(ParityCorpus.Handwritten))
            {
                Assert.Equal(reference.Encode(text), Under(culture, () => lowercasing.Encode(text)));
                var ids = Under(culture, () => qwen3.Encode(text));
                Assert.Equal(qwen3Reference.Encode(text), ids);
                Assert.Equal(qwen3Reference.Decode(ids), Under(culture, () => qwen3.Decode(ids)));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [MemberData(nameof(Cultures))]
    public void Config_files_parse_the_same(string culture)
    {
        var folder = Directory.CreateTempSubdirectory("sharpspeed-culture-config-").FullName;
        try
        {
            File.WriteAllText(Path.Combine(folder, "config.json"), """
                {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_act": "silu", "hidden_size": 64,
                 "intermediate_size": 176, "num_attention_heads": 4, "num_hidden_layers": 2, "num_key_value_heads": 2,
                 "rms_norm_eps": 1e-06, "rope_theta": 500000.0, "initializer_range": 0.02, "vocab_size": 512,
                 "max_position_embeddings": 256, "torch_dtype": "float32", "tie_word_embeddings": false}
                """);
            var model = ModelConfig.LoadFromDirectory(folder);
            Assert.Equal(model, Under(culture, () => ModelConfig.LoadFromDirectory(folder)));
            Assert.Equal(1e-6, model.RmsNormEps);
            Assert.Equal(model.ToConfigJson(), Under(culture, () => model.ToConfigJson()));

            var dsConfig = Path.Combine(NpmTokenizerCache.RepositoryRoot, "examples", "ds_config_zero2.json");
            var invariant = DeepSpeedConfigParser.Parse(DeepSpeedFile.Read(dsConfig), worldSize: 2);
            var local = Under(culture, () => DeepSpeedConfigParser.Parse(DeepSpeedFile.Read(dsConfig), worldSize: 2));
            Assert.Equal(invariant.Optimizer, local.Optimizer);
            Assert.Equal(invariant.Scheduler, local.Scheduler);
            Assert.Equal(invariant.Zero, local.Zero);
            Assert.Equal(invariant.GradientClipping, local.GradientClipping);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Flags are parsed and reports printed as under the invariant culture: "7.5e9" is 7.5e9, not 75e9.</summary>
    [Theory]
    [MemberData(nameof(Cultures))]
    public void The_command_line_reads_and_writes_numbers_the_same(string culture)
    {
        string[] args = ["estimate", "--params", "7.5e9", "--num_gpus", "8", "--zero_stage", "2", "--gpu_memory_gb", "79.5"];
        var invariant = Run(args);
        Assert.Equal(0, invariant.ExitCode);
        Assert.Contains("7.5e9 parameters", invariant.Output);
        Assert.Equal(invariant, Under(culture, () => Run(args)));
        Assert.Equal(Run([.. args, "--json"]), Under(culture, () => Run([.. args, "--json"])));
    }
}
