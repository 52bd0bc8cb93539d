namespace SharpSpeed.Planning;

/// <summary>
/// The few numbers of a LLaMA-family decoder that memory planning needs. <see cref="Parameters"/> is carried
/// explicitly so a caller holding an exact count (a loaded model, <c>--params</c>) can use it as is;
/// <see cref="FromDimensions"/> derives it from the shape.
/// </summary>
public sealed record ModelShape(
    long Parameters,
    int HiddenSize,
    int NumLayers,
    int NumHeads,
    int NumKvHeads,
    int IntermediateSize,
    int VocabSize,
    bool TiedEmbeddings)
{
    /// <summary>Width of one attention head (hidden / heads, as in LLaMA, DeepSeek-LLM and Mistral).</summary>
    public int HeadDim => HiddenSize / NumHeads;

    /// <summary>
    /// Parameters of the largest single module with weights of its own: what ZeRO-3 must gather at once and
    /// what DeepSpeed's stage-3 estimator calls <c>largest_layer_params</c>. For LLaMA shapes that is the
    /// embedding (vocab x hidden) or one MLP projection (hidden x intermediate).
    /// </summary>
    public long LargestLayerParameters
    {
        get
        {
            long hidden = HiddenSize;
            long embedding = (long)VocabSize * hidden;
            long mlpProjection = hidden * IntermediateSize;
            long queryProjection = hidden * NumHeads * HeadDim;
            return Math.Max(embedding, Math.Max(mlpProjection, queryProjection));
        }
    }

    /// <summary>
    /// A shape whose parameter count is computed from its dimensions: embeddings, per layer the q/k/v/o
    /// projections (k and v sized by the key-value heads), gate/up/down of SwiGLU and two RMSNorm weights,
    /// then the final norm and, unless tied to the embeddings, the lm_head. No biases (LLaMA has none).
    /// </summary>
    public static ModelShape FromDimensions(
        int hiddenSize, int numLayers, int numHeads, int numKvHeads, int intermediateSize, int vocabSize,
        bool tiedEmbeddings)
    {
        Require(hiddenSize, "hidden_size");
        Require(numLayers, "num_hidden_layers");
        Require(numHeads, "num_attention_heads");
        Require(numKvHeads, "num_key_value_heads");
        Require(intermediateSize, "intermediate_size");
        Require(vocabSize, "vocab_size");
        if (hiddenSize % numHeads != 0)
        {
            throw new ArgumentException(
                $"hidden_size {hiddenSize} is not a multiple of num_attention_heads {numHeads}");
        }
        if (numHeads % numKvHeads != 0)
        {
            throw new ArgumentException(
                $"num_attention_heads {numHeads} is not a multiple of num_key_value_heads {numKvHeads}");
        }

        long hidden = hiddenSize;
        long kvWidth = (long)numKvHeads * (hiddenSize / numHeads);
        long attention = 2 * hidden * hidden + 2 * hidden * kvWidth;
        long mlp = 3 * hidden * intermediateSize;
        long perLayer = attention + mlp + 2 * hidden;
        long embedding = (long)vocabSize * hidden;
        long parameters = embedding + numLayers * perLayer + hidden + (tiedEmbeddings ? 0 : embedding);
        return new ModelShape(
            parameters, hiddenSize, numLayers, numHeads, numKvHeads, intermediateSize, vocabSize, tiedEmbeddings);
    }

    private static void Require(int value, string key)
    {
        if (value <= 0)
        {
            throw new ArgumentException($"{key} must be a positive integer, got {value}");
        }
    }
}
