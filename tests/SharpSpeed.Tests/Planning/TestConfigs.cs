using SharpSpeed.Models;

namespace SharpSpeed.Tests.Planning;

/// <summary>LLaMA-family configs by their dimensions, for planning tests.</summary>
internal static class TestConfigs
{
    public static ModelConfig Llama(int hidden, int layers, int heads, int kvHeads, int intermediate, int vocab, bool tied = false) => new()
    {
        HiddenSize = hidden,
        NumHiddenLayers = layers,
        NumAttentionHeads = heads,
        NumKeyValueHeads = kvHeads,
        HeadDim = hidden / heads,
        IntermediateSize = intermediate,
        VocabSize = vocab,
        TieWordEmbeddings = tied,
    };
}
