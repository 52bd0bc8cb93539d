using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Training;

/// <summary>A small HF model folder (2 layers, hidden 64, the bundled tokenizer's 6000 ids) for whole training runs.</summary>
internal static class SmallTrainingModel
{
    private static readonly Lazy<string> Created = new(Create);

    public static string Folder => Created.Value;

    public static Dictionary<string, Tensor> Weights(string dir) => StateDictFiles.Load(dir);

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
