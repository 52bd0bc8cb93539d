using SharpSpeed.Models;

namespace SharpSpeed.Tests.Models;

/// <summary>Model configs small enough to build in milliseconds.</summary>
internal static class SmallModels
{
    public static ModelConfig Gqa { get; } = new()
    {
        ModelType = "llama",
        VocabSize = 40,
        HiddenSize = 32,
        IntermediateSize = 48,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        MaxPositionEmbeddings = 64,
        // A wider init than HF's 0.02 so that logits differ visibly between tokens and positions.
        InitializerRange = 0.3,
        BosTokenId = 0,
        EosTokenIds = [1],
    };
}
