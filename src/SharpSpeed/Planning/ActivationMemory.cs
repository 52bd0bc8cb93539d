using SharpSpeed.Models;

namespace SharpSpeed.Planning;

/// <summary>Activation bytes one rank holds at the start of backward (its peak), by part.</summary>
public sealed record ActivationEstimate(
    double PerLayerBytes,
    double LayerInputBytes,
    double DecoderBytes,
    double FinalNormBytes,
    double LogitsBytes,
    bool Checkpointed,
    double KorthikantiPerLayerBytes,
    double LoraPerLayerBytes = 0)
{
    public double TotalBytes => DecoderBytes + FinalNormBytes + LogitsBytes;
}

/// <summary>
/// Activation memory of a LLaMA decoder (RMSNorm, RoPE, SwiGLU, causal attention through a fused
/// flash/memory-efficient kernel) trained in 16-bit, counted as the tensors autograd saves for backward.
/// With b = micro-batch, s = sequence length, h = hidden, I = intermediate, a = heads, V = vocab, in 16-bit
/// elements per token of one layer:
/// <list type="bullet">
/// <item>each RMSNorm (x * rsqrt(mean(x^2) + eps) * w): its input x, the normalised x before the weight, its
/// output (saved by the projections that read it) and one rsqrt per token: 3h + 1, twice per layer;</item>
/// <item>attention: q, k, v after RoPE as the kernel saves them (k and v at full width once repeated to all
/// heads for grouped-query attention) and the kernel output (o_proj reads it through a view): 4h; RoPE
/// multiplies by the constant cos/sin tables and saves nothing per token; the kernel also keeps an fp32
/// log-sum-exp per head and token (4a bytes) and never the s x s score matrix;</item>
/// <item>SwiGLU MLP: gate output (SiLU's input), SiLU output, up output, their product (down_proj's input): 4I.</item>
/// </list>
/// Per layer: 2sb(10h + 4I + 2) + 4abs bytes. After the last layer: the final RMSNorm, 2sb(3h + 1), and the
/// logits, bsV x (4 + 4) bytes: the fp32 logits the loss reads (alive until backward) and cross-entropy's
/// saved fp32 log-probabilities. With activation checkpointing each layer keeps only its 16-bit input (2sbh)
/// and one layer's full activations exist again while it is recomputed in backward.
/// The count is checked against PyTorch's saved-tensor hooks on a block written the same way
/// (tests/SharpSpeed.Tests/Planning/Reference/llama_saved_tensors.py). An RMSNorm that upcasts to fp32 as HF's
/// does saves 4h more bytes per norm; an unfused softmax attention adds the s x s scores (about 6as^2 bytes per
/// sequence). Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models", eq. 1,
/// sbh(34 + 5as/h) bytes per layer for a GPT block with dropout and an unfused softmax) is reported alongside
/// as a reference. Transient backward buffers (one gradient of the largest activation) are not counted; the
/// planner's reserve covers them. LoRA adds per layer and targeted linear the fp32 output of lora_A (4sbr bytes), which
/// lora_B's backward reads; the adapters' input is the base linear's, already counted.
/// </summary>
public static class ActivationMemory
{
    public const int HalfBytes = 2;

    /// <summary>The count in one line, for reports.</summary>
    public const string Formula =
        "per layer 2sb(10h + 4I + 2) + 4abs bytes (LLaMA block, fused attention); final norm 2sb(3h + 1); "
        + "logits 8bsV (fp32 logits + saved log-probs); checkpointing keeps 2sbh per layer + one full layer; LoRA adds 4sbr per targeted linear";
    public const int LogitsBytesPerElement = 4 + 4;

    public static double LlamaLayerBytes(ModelConfig config, int microBatch, int seqLength)
    {
        double tokens = (double)microBatch * seqLength;
        double halfElements = tokens * (10.0 * config.HiddenSize + 4.0 * config.IntermediateSize + 2);
        double logSumExp = 4.0 * config.NumAttentionHeads * tokens;
        return HalfBytes * halfElements + logSumExp;
    }

    public static double KorthikantiLayerBytes(ModelConfig config, int microBatch, int seqLength)
    {
        double sbh = (double)seqLength * microBatch * config.HiddenSize;
        return sbh * (34.0 + 5.0 * config.NumAttentionHeads * seqLength / config.HiddenSize);
    }

    public static ActivationEstimate Estimate(ModelConfig config, int microBatch, int seqLength, bool checkpointing, LoraSettings? lora = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(microBatch);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(seqLength);
        double tokens = (double)microBatch * seqLength;
        double loraPerLayer = lora is null ? 0 : 4.0 * tokens * lora.Rank * lora.TargetModules.Count;
        double perLayer = LlamaLayerBytes(config, microBatch, seqLength) + loraPerLayer;
        double layerInput = HalfBytes * tokens * config.HiddenSize;
        double decoder = checkpointing
            ? config.NumHiddenLayers * layerInput + perLayer
            : config.NumHiddenLayers * perLayer;
        return new ActivationEstimate(
            PerLayerBytes: perLayer,
            LayerInputBytes: layerInput,
            DecoderBytes: decoder,
            FinalNormBytes: HalfBytes * tokens * (3.0 * config.HiddenSize + 1),
            LogitsBytes: LogitsBytesPerElement * tokens * config.VocabSize,
            Checkpointed: checkpointing,
            KorthikantiPerLayerBytes: KorthikantiLayerBytes(config, microBatch, seqLength),
            LoraPerLayerBytes: loraPerLayer);
    }
}
