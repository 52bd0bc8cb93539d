using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training;
using Xunit.Abstractions;
using static SharpSpeed.Tests.Cli.CliRunner;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models.Gguf;

/// <summary>
/// Architecture variants exported to f32 GGUF and run by llama.cpp: its logits at every position must match
/// SharpSpeed's forward pass. Weights are drawn wide (std 0.1, random norms and biases) so that attention is far
/// from uniform and a wrong rotary layout, head grouping, bias or tied head would show in the logits.
/// </summary>
public sealed class LlamaCppLogitsTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-gguf-logits-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private static readonly ModelConfig Base = TrainedGgufModel.Config with { InitializerRange = 0.1 };

    public static TheoryData<string> Variants() => ["gqa", "tied", "linear-rope", "llama3-rope", "qwen2", "head-dim"];

    private static ModelConfig Variant(string name) => name switch
    {
        "gqa" => Base,
        "tied" => Base with { TieWordEmbeddings = true },
        "linear-rope" => Base with { RopeScaling = new RopeScaling(RopeScaling.Linear, 4) },
        "llama3-rope" => Base with { RopeScaling = new RopeScaling(RopeScaling.Llama3, 8, 1, 4, OriginalMaxPositionEmbeddings: 16), RopeTheta = 500000 },
        "qwen2" => Base with { ModelType = "qwen2", QkvBias = true },
        "head-dim" => Base with { HeadDim = 32 }, // 4 heads x 32 != hidden 64: llama.cpp needs key_length
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void LlamaCppLogitsMatchSharpSpeed(string variant)
    {
        var folder = Path.Combine(_dir, variant);
        using (var random = LlamaForCausalLM.CreateRandom(Variant(variant), seed: 9))
        {
            using (no_grad())
            {
                var generator = new TorchSharp.torch.Generator(17);
                foreach (var (name, parameter) in random.named_parameters())
                {
                    if (name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal))
                    {
                        using var spread = 0.3.ToScalar();
                        parameter.copy_(randn(parameter.shape, generator: generator).mul_(spread).add_(ones(1), HeldScalars.One));
                    }
                }
            }
            ModelFolder.Save(random, folder);
        }
        ModelFolder.CopyTokenizer(BundledAssets.Locate(Trainer.BundledTokenizer), folder);
        var gguf = Path.Combine(_dir, variant + ".gguf");
        var (code, _, error) = Run("convert", "--model", folder, "--output", gguf, "--outtype", "f32");
        Assert.True(code == 0, error);

        var ids = HfTokenizer.FromPath(folder).Encode("User: Which planets have rings, and why?\n\nAssistant: Saturn, mostly ice; Jupiter 123.");
        using var model = ModelFolder.Load(folder);
        model.eval();
        using var logits = model.Forward(tensor(ids.Select(i => (long)i).ToArray()).unsqueeze(0))[0];
        var expected = logits.data<float>().ToArray();
        using var llama = LlamaCppModel.Load(gguf);
        var actual = llama.Logits(ids);

        var vocab = (int)logits.shape[1];
        var scale = expected.Max(MathF.Abs);
        var worst = 0f;
        for (var position = 0; position < ids.Length; position++)
        {
            for (var v = 0; v < vocab; v++)
            {
                worst = MathF.Max(worst, MathF.Abs(actual[position][v] - expected[position * vocab + v]));
            }
        }
        output.WriteLine($"{variant}: {ids.Length} positions, max |logit| {scale:G4}, max |diff| {worst:G4}");
        // llama.cpp keeps its KV cache in f16: about 1e-3 of the logits' range, far below what a layout error gives.
        Assert.True(worst <= 5e-3f * scale, $"{variant}: max |diff| {worst} vs max |logit| {scale}");
    }
}
