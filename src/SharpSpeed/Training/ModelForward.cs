using SharpSpeed.Data.Batching;
using SharpSpeed.Models;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>How a collated batch goes through the model.</summary>
internal static class ModelForward
{
    /// <summary>
    /// Logits for <paramref name="batch"/>. Padded rows are right-padded, and under causal attention a real token
    /// never sees the padding after it, so no mask is needed (SDPA's causal fast path; pads carry label -100).
    /// Packed rows pass their segment ids so attention and positions restart with every sample.
    /// </summary>
    public static Tensor Logits(LlamaForCausalLM model, CollatedBatch batch, bool packed) =>
        packed
            ? model.Forward(batch.InputIds, positionIds: batch.PositionIds, segmentIds: batch.SegmentIds)
            : model.Forward(batch.InputIds);
}
