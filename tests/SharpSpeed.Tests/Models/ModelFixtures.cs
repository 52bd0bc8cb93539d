using System.Text.Json.Nodes;
using SharpSpeed.IO;
using SharpSpeed.Models;
using TorchSharp;

namespace SharpSpeed.Tests.Models;

/// <summary>The committed HF-parity fixtures of tests/fixtures/models (see llama_reference.py there).</summary>
internal static class ModelFixtures
{
    public static string Directory { get; } = Locate();

    public static JsonObject Expected { get; } =
        (JsonObject)JsonNode.Parse(File.ReadAllText(Path.Combine(Directory, "expected.json")))!;

    public static ModelConfig Config(JsonObject entry) =>
        ModelConfigJson.Parse((JsonObject)entry["config"]!.DeepClone(), "expected.json");

    public static LlamaForCausalLM Model(JsonObject entry)
    {
        var config = Config(entry);
        var path = Path.Combine(Directory, (string)entry["weights"]!);
        return LlamaForCausalLM.FromStateDict(config, StateDictFiles.Load(path), path);
    }

    public static torch.Tensor LongMatrix(string key) => LongMatrix((JsonArray)Expected[key]!);

    public static torch.Tensor LongMatrix(JsonArray rows)
    {
        var values = rows.Select(row => ((JsonArray)row!).Select(v => (long)v!).ToArray()).ToArray();
        return torch.tensor(values.SelectMany(v => v).ToArray(), [values.Length, values[0].Length]);
    }

    public static float[] Floats(JsonNode node) => ((JsonArray)node).Select(v => (float)(double)v!).ToArray();

    private static string Locate()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "models");
            if (System.IO.Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"tests/fixtures/models not found above {AppContext.BaseDirectory}");
    }
}
