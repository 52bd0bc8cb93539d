namespace SharpSpeed.Models;

/// <summary>Configs known by name (<c>init-model --config NAME</c>, <c>estimate</c>).</summary>
public static class NamedModelConfigs
{
    /// <summary>DeepSeek-LLM-7B-base as published: LlamaForCausalLM, MHA, untied, bf16; ids from its generation_config.</summary>
    public static ModelConfig DeepSeekLlm7B { get; } = new()
    {
        ModelType = "llama",
        VocabSize = 102400,
        HiddenSize = 4096,
        IntermediateSize = 11008,
        NumHiddenLayers = 30,
        NumAttentionHeads = 32,
        NumKeyValueHeads = 32,
        HeadDim = 128,
        RmsNormEps = 1e-6,
        RopeTheta = 10000,
        TieWordEmbeddings = false,
        MaxPositionEmbeddings = 4096,
        TorchDtype = "bfloat16",
        InitializerRange = 0.02,
        BosTokenId = 100000,
        EosTokenIds = [100001],
    };

    /// <summary>
    /// The same architecture scaled down to a few million parameters for tests and the demo. Its vocabulary is the
    /// bundled tiny tokenizer's (assets/tokenizers/deepseek-tiny), whose bos/eos/pad are ids 0, 1 and 2.
    /// </summary>
    public static ModelConfig Tiny { get; } = new()
    {
        ModelType = "llama",
        VocabSize = 6000,
        HiddenSize = 256,
        IntermediateSize = 688,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 64,
        RmsNormEps = 1e-6,
        RopeTheta = 10000,
        TieWordEmbeddings = false,
        MaxPositionEmbeddings = 512,
        TorchDtype = "float32",
        InitializerRange = 0.02,
        BosTokenId = 0,
        EosTokenIds = [1],
        PadTokenId = 2,
    };

    public static IReadOnlyDictionary<string, ModelConfig> All { get; } = new Dictionary<string, ModelConfig>(StringComparer.Ordinal)
    {
        ["deepseek-llm-7b"] = DeepSeekLlm7B,
        ["tiny"] = Tiny,
    };

    /// <summary>A named config, or the config.json file at <paramref name="nameOrPath"/>.</summary>
    public static ModelConfig Resolve(string nameOrPath)
    {
        if (All.TryGetValue(nameOrPath, out var named))
        {
            return named;
        }
        if (Directory.Exists(nameOrPath))
        {
            return ModelConfig.LoadFromDirectory(nameOrPath);
        }
        if (File.Exists(nameOrPath))
        {
            return ModelConfig.LoadFile(nameOrPath);
        }
        throw new ArgumentException(
            $"config '{nameOrPath}' is neither a named config ({string.Join(", ", All.Keys)}) nor a config.json file or model folder");
    }
}
