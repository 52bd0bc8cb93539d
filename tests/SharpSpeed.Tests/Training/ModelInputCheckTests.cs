using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json.Nodes;
using SharpSpeed.Cli;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training;

namespace SharpSpeed.Tests.Training;

/// <summary>A model and its inputs that disagree are refused at load with one line naming the file.</summary>
public sealed class ModelInputCheckTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-model-checks-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private string SmallModel(string name, int vocabSize)
    {
        var dir = Path.Combine(_root, name);
        var config = NamedModelConfigs.Tiny with
        {
            VocabSize = vocabSize, HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 1, NumAttentionHeads = 2,
            NumKeyValueHeads = 2, HeadDim = 16,
        };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 1);
        ModelFolder.Save(model, dir);
        ModelFolder.CopyTokenizer(BundledAssets.Locate(Trainer.BundledTokenizer), dir);
        return dir;
    }

    private TrainingArguments Args(string model) => new()
    {
        ModelNameOrPath = model, OutputDir = Path.Combine(_root, "out"), MaxSteps = 1, MaxSeqLength = 64, ReportTo = "none",
    };

    [Fact]
    public void ATokenizerLargerThanTheEmbeddingIsRefusedBeforeLibtorchSeesAnId()
    {
        var model = SmallModel("vocab100", vocabSize: 100);
        var error = Assert.Throws<InvalidDataException>(() =>
            new Trainer(Args(model), new HashSet<string>(), TextWriter.Null, interactive: false).Run());
        Assert.Contains(Path.Combine(model, "config.json"), error.Message);
        Assert.Contains("vocab_size 100", error.Message);
        Assert.Contains("ids up to 5999", error.Message);
        Assert.False(Directory.Exists(Path.Combine(_root, "out", "checkpoint-1")));
    }

    [Fact]
    public void MaxSeqLengthBeyondThePositionsIsRefusedAndGenerationWarns()
    {
        var model = SmallModel("positions", vocabSize: 6000);
        var config = ModelConfig.LoadFromDirectory(model);
        var error = Assert.Throws<ArgumentException>(() =>
            new Trainer(Args(model) with { MaxSeqLength = config.MaxPositionEmbeddings + 1 }, new HashSet<string>(),
                TextWriter.Null, interactive: false).Run());
        Assert.Contains($"max_position_embeddings {config.MaxPositionEmbeddings}", error.Message);
        Assert.Contains($"--max_seq_length {config.MaxPositionEmbeddings} or less", error.Message);
        Assert.Null(ModelInputChecks.PositionProblem(config.MaxPositionEmbeddings, config, model, "x"));
        Assert.Null(ModelInputChecks.PositionProblem(
            config.MaxPositionEmbeddings * 2, config with { RopeScaling = new RopeScaling(RopeScaling.Linear, 2) }, model, "x"));

        var (code, _, stderr) = Cli.CliRunner.Run("generate", "--model", model, "--prompt", "Hi", "--temperature", "0",
            "--max_new_tokens", (config.MaxPositionEmbeddings + 1).ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.True(code == 0, stderr);
        Assert.Contains("warning: the prompt", stderr);
    }

    [Fact]
    public void ASafetensorsHeaderThatOmitsATensorNamesThatTensor()
    {
        var model = SmallModel("omitted", vocabSize: 6000);
        const string Omitted = "model.layers.0.self_attn.k_proj.weight";
        var path = Path.Combine(model, StateDictFiles.SafetensorsFile);
        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        var header = JsonNode.Parse(bytes.AsSpan(8, headerLength))!.AsObject();
        Assert.True(header.Remove(Omitted));
        var json = Encoding.UTF8.GetBytes(header.ToJsonString());
        var padded = json.Concat(Enumerable.Repeat((byte)' ', (8 - json.Length % 8) % 8)).ToArray();
        var prefix = new byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)padded.Length);
        File.WriteAllBytes(path, [.. prefix, .. padded, .. bytes.AsSpan(8 + headerLength)]);

        var error = Assert.Throws<ModelFileException>(() => ModelFolder.Load(model));
        Assert.StartsWith($"{path}: tensor '{Omitted}' is missing", error.Message);
    }

    [Fact]
    public void LibtorchErrorsAreOneLine()
    {
        // A real libtorch error: its message carries the native frame dump.
        using var table = TorchSharp.torch.zeros(3, 2);
        using var ids = TorchSharp.torch.tensor(new long[] { 7 });
        var native = Assert.ThrowsAny<ExternalException>(() => table.index_select(0, ids));
        Assert.Contains('\n', native.Message);
        var line = ErrorLines.Describe(native);
        Assert.StartsWith("libtorch refused an operation: ", line);
        Assert.Contains("out of range", line);
        Assert.DoesNotContain('\n', line);
    }
}
