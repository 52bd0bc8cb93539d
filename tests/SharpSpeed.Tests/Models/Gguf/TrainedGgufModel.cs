using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Models.Gguf;

/// <summary>
/// A small grouped-query LLaMA (2 layers, hidden 64, 4 query heads sharing 2 key/value heads, the bundled
/// 6000-id tokenizer), trained briefly on the bundled sample so that its greedy choices are decisive, then
/// exported by `sharpspeed convert` once per output type. Built once per test run.
/// </summary>
internal static class TrainedGgufModel
{
    private static readonly Lazy<string> Trained = new(Train);
    private static readonly Lock Gate = new();

    public static ModelConfig Config { get; } = NamedModelConfigs.Tiny with
    {
        HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = 16,
    };

    /// <summary>The trained HF model folder.</summary>
    public static string Folder => Trained.Value;

    /// <summary>The GGUF file of the trained model in <paramref name="outType"/> (f32, f16, bf16, q8_0).</summary>
    public static string Gguf(string outType)
    {
        lock (Gate)
        {
            var path = Path.Combine(Path.GetDirectoryName(Folder)!, $"model-{outType}.gguf");
            if (!File.Exists(path))
            {
                var (code, _, error) = Run("convert", "--model", Folder, "--output", path, "--outtype", outType);
                Assert.True(code == 0, error);
            }
            return path;
        }
    }

    private static string Train()
    {
        var root = Directory.CreateTempSubdirectory("sharpspeed-gguf-").FullName;
        var initial = Path.Combine(root, "initial");
        using (var model = LlamaForCausalLM.CreateRandom(Config, seed: 5))
        {
            ModelFolder.Save(model, initial);
        }
        ModelFolder.CopyTokenizer(BundledAssets.Locate(Trainer.BundledTokenizer), initial);
        var args = new TrainingArguments
        {
            ModelNameOrPath = initial,
            OutputDir = Path.Combine(root, "trained"),
            MaxSteps = 40,
            PerDeviceTrainBatchSize = 4,
            LearningRate = 3e-3,
            LrSchedulerType = "constant",
            MaxSeqLength = 64,
            LoggingSteps = 10,
            SaveSteps = 0,
            ReportTo = "none",
            Seed = 11,
        };
        return new Trainer(args, new HashSet<string>(), TextWriter.Null, interactive: false).Run().OutputDir;
    }
}
