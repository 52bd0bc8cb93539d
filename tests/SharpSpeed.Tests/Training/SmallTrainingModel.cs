using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Training;

/// <summary>A small HF model folder (2 layers, hidden 64, the bundled tokenizer's 6000 ids) for whole training runs.</summary>
internal static class SmallTrainingModel
{
    private static readonly Lazy<string> Created = new(Create);

    public static string Folder => Created.Value;

    public static Dictionary<string, Tensor> Weights(string dir) => StateDictFiles.Load(dir);

    /// <summary>How far |actual - reference| exceeds 1e-5 |reference| + 1e-6 at the worst element (at most 0: within).</summary>
    public static float ExcessOverTolerance(Tensor actual, Tensor reference)
    {
        using var relative = 1e-5.ToScalar();
        using var absolute = 1e-6.ToScalar();
        using var scope = NewDisposeScope();
        return ((actual - reference).abs() - reference.abs().mul(relative).add(absolute, HeldScalars.One)).max().item<float>();
    }

    private static string Create()
    {
        var dir = Directory.CreateTempSubdirectory("sharpspeed-small-model-").FullName;
        var config = NamedModelConfigs.Tiny with
        {
            HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2, NumAttentionHeads = 2, NumKeyValueHeads = 2, HeadDim = 32,
        };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 3);
        ModelFolder.Save(model, dir);
        ModelFolder.CopyTokenizer(BundledAssets.Locate(Trainer.BundledTokenizer), dir);
        return dir;
    }
}
