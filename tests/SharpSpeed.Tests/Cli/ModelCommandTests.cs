using System.Text.Json.Nodes;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;
using SharpSpeed.Models;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

/// <summary>init-model and generate end to end, as the README's first steps run them.</summary>
public sealed class ModelCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-cli-model-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);


    [Fact]
    public void InitTinyThenGenerateJsonGivesTheGreedyContinuation()
    {
        var model = Path.Combine(_dir, "tiny");
        var (initCode, _, initError) = Run("init-model", "--config", "tiny", "--output", model, "--seed", "3");
        Assert.True(initCode == 0, initError);
        foreach (var file in new[] { "config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json" })
        {
            Assert.True(File.Exists(Path.Combine(model, file)), file);
        }

        var (code, output, error) = Run(
            "generate", "--model", model, "--prompt", "Hi", "--json", "--temperature", "0", "--max_new_tokens", "6");
        Assert.True(code == 0, error);
        var lines = output.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        var json = (JsonObject)JsonNode.Parse(lines[0])!;
        Assert.Equal(["output_ids", "prompt_ids", "text"], json.Select(kv => kv.Key).Order());

        var tokenizer = HfTokenizer.FromPath(model);
        var promptIds = json["prompt_ids"]!.AsArray().Select(v => (int)v!).ToArray();
        var outputIds = json["output_ids"]!.AsArray().Select(v => (int)v!).ToArray();
        Assert.Equal(tokenizer.Encode("Hi"), promptIds);
        Assert.Equal(NamedModelConfigs.Tiny.BosTokenId, promptIds[0]);
        using var loaded = ModelFolder.Load(model);
        var expected = TextGenerator.Generate(loaded, promptIds, new GenerationOptions
        {
            MaxNewTokens = 6,
            Temperature = 0,
            EosTokenIds = loaded.Config.EosTokenIds,
        });
        Assert.Equal(expected, outputIds);
        Assert.Equal(tokenizer.Decode(outputIds), (string)json["text"]!);
    }

    [Fact]
    public void SameSeedWritesIdenticalWeightsAndConfigFilesWork()
    {
        var configPath = Path.Combine(_dir, "small.json");
        File.WriteAllText(configPath, (NamedModelConfigs.Tiny with
        {
            HiddenSize = 64, HeadDim = 16, IntermediateSize = 96, NumHiddenLayers = 1, NumKeyValueHeads = 2,
        }).ToConfigJson());
        string Init(string name, string seed)
        {
            var dir = Path.Combine(_dir, name);
            var (code, _, error) = Run("init-model", "--config", configPath, "--output", dir, "--seed", seed);
            Assert.True(code == 0, error);
            Assert.False(File.Exists(Path.Combine(dir, "tokenizer.json")), "no tokenizer unless asked for one");
            return Path.Combine(dir, StateDictFiles.SafetensorsFile);
        }
        var first = File.ReadAllBytes(Init("a", "7"));
        Assert.Equal(first, File.ReadAllBytes(Init("b", "7")));
        Assert.NotEqual(first, File.ReadAllBytes(Init("c", "8")));
        Assert.Equal(2, ModelConfig.LoadFromDirectory(Path.Combine(_dir, "a")).NumKeyValueHeads);
    }

    [Fact]
    public void BadInputGivesOneLineErrors()
    {
        var (code, _, error) = Run("init-model", "--config", "no-such-config", "--output", Path.Combine(_dir, "x"));
        Assert.Equal(2, code);
        Assert.Contains("no-such-config", error);

        var small = Path.Combine(_dir, "small.json");
        File.WriteAllText(small, (NamedModelConfigs.Tiny with { VocabSize = 100 }).ToConfigJson());
        (code, _, error) = Run("init-model", "--config", small, "--output", Path.Combine(_dir, "y"),
            "--tokenizer", BundledAssets.Locate("tokenizers/deepseek-tiny"));
        Assert.Equal(2, code);
        Assert.Contains("vocab_size 100", error);

        (code, _, error) = Run("generate", "--model", Path.Combine(_dir, "missing"), "--prompt", "Hi");
        Assert.Equal(2, code);
        Assert.Contains("missing", error);
        Assert.Single(error.Split('\n', StringSplitOptions.RemoveEmptyEntries));
    }
}
