namespace SharpSpeed.Planning;

/// <summary>Model shapes known by name, so a plan needs no download (<c>--config deepseek-llm-7b</c>).</summary>
public static class NamedModelShapes
{
    /// <summary>
    /// DeepSeek-LLM-7B (deepseek-ai/deepseek-llm-7b-base config.json): LLaMA architecture, 30 layers,
    /// hidden 4096, 32 heads with full multi-head attention, SwiGLU 11008, vocab 102400, untied lm_head.
    /// </summary>
    public static ModelShape DeepSeekLlm7B { get; } = ModelShape.FromDimensions(
        hiddenSize: 4096, numLayers: 30, numHeads: 32, numKvHeads: 32, intermediateSize: 11008,
        vocabSize: 102400, tiedEmbeddings: false);

    private static readonly Dictionary<string, ModelShape> ByName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["deepseek-llm-7b"] = DeepSeekLlm7B,
    };

    public static IReadOnlyCollection<string> Names => ByName.Keys;

    public static ModelShape Get(string name) =>
        ByName.TryGetValue(name, out var shape)
            ? shape
            : throw new ArgumentException(
                $"unknown model config '{name}': known names are {string.Join(", ", ByName.Keys)}");
}
