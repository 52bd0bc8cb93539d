using TorchSharp;

namespace SharpSpeed.Data.Batching;

/// <summary>
/// The attention a packed batch allows: token q may see token k when both belong to the same sample
/// (same non-zero segment id) and k is not after q. Returned as a bool mask [rows, 1, T, T] (true = may attend),
/// the form scaled_dot_product_attention takes as attn_mask. Padding rows see nothing, so callers must ignore
/// their outputs (their labels are -100).
/// </summary>
public static class SegmentAttention
{
    public static torch.Tensor Mask(torch.Tensor segmentIds)
    {
        ArgumentNullException.ThrowIfNull(segmentIds);
        using var scope = torch.NewDisposeScope();
        var length = segmentIds.shape[1];
        var same = segmentIds.unsqueeze(2).eq(segmentIds.unsqueeze(1));
        var real = segmentIds.ne(0).unsqueeze(2);
        var causal = torch.ones(length, length, torch.@bool, segmentIds.device).tril();
        return same.logical_and(real).logical_and(causal).unsqueeze(1).MoveToOuterDisposeScope();
    }
}
