using SharpSpeed.IO.Gguf;

namespace SharpSpeed.Models.Gguf;

/// <summary>
/// The general.* and architecture keys llama.cpp reads for a LLaMA-family model, named and typed as
/// convert_hf_to_gguf.py writes them. Qwen2 exports as llama.cpp's own <c>qwen2</c> architecture (same keys under
/// that prefix; its q/k/v biases are tensors), every other family as <c>llama</c>.
/// </summary>
public static class LlamaGgufMetadata
{
    /// <summary>gguf-py's GGML_QUANT_VERSION, written by every converter output.</summary>
    private const uint QuantizationVersion = 2;

    public static string ArchitectureOf(ModelConfig config) => config.ModelType == "qwen2" ? "qwen2" : "llama";

    public static List<KeyValuePair<string, GgufValue>> For(ModelConfig config, string name, GgufOutType outType)
    {
        var arch = ArchitectureOf(config);
        var keys = new List<KeyValuePair<string, GgufValue>>();
        void Add(string key, GgufValue value) => keys.Add(new(key, value));

        Add("general.architecture", GgufValue.Of(arch));
        Add("general.name", GgufValue.Of(name));
        Add("general.file_type", GgufValue.Of(outType.FileType));
        Add("general.quantization_version", GgufValue.Of(QuantizationVersion));
        Add($"{arch}.vocab_size", GgufValue.Of((uint)config.VocabSize));
        Add($"{arch}.context_length", GgufValue.Of((uint)config.MaxPositionEmbeddings));
        Add($"{arch}.embedding_length", GgufValue.Of((uint)config.HiddenSize));
        Add($"{arch}.block_count", GgufValue.Of((uint)config.NumHiddenLayers));
        Add($"{arch}.feed_forward_length", GgufValue.Of((uint)config.IntermediateSize));
        Add($"{arch}.rope.dimension_count", GgufValue.Of((uint)config.HeadDim));
        Add($"{arch}.rope.freq_base", GgufValue.Of((float)config.RopeTheta));
        Add($"{arch}.attention.head_count", GgufValue.Of((uint)config.NumAttentionHeads));
        Add($"{arch}.attention.head_count_kv", GgufValue.Of((uint)config.NumKeyValueHeads));
        Add($"{arch}.attention.layer_norm_rms_epsilon", GgufValue.Of((float)config.RmsNormEps));
        if (config.HeadDim * config.NumAttentionHeads != config.HiddenSize)
        {
            // llama.cpp assumes head width = embedding / heads unless told otherwise.
            Add($"{arch}.attention.key_length", GgufValue.Of((uint)config.HeadDim));
            Add($"{arch}.attention.value_length", GgufValue.Of((uint)config.HeadDim));
        }
        if (config.RopeScaling is { Type: RopeScaling.Linear } linear)
        {
            Add($"{arch}.rope.scaling.type", GgufValue.Of("linear"));
            Add($"{arch}.rope.scaling.factor", GgufValue.Of((float)linear.Factor));
        }
        // llama3 rope scaling travels as the rope_freqs.weight tensor (LlamaGgufTensors), as the converter does it.
        return keys;
    }
}
