using TorchSharp;

namespace SharpSpeed.Data.Batching;

/// <summary>
/// A batch ready for the model, every tensor int64 of shape [rows, columns]:
/// <see cref="InputIds"/>; <see cref="Labels"/> (-100 where no loss); <see cref="AttentionMask"/> (1 real, 0 padding);
/// <see cref="SegmentIds"/> (0 padding, 1..k the k-th sample of a row; the model keeps attention inside one
/// segment); <see cref="PositionIds"/> (restart at 0 for every sample). <see cref="RealTokens"/> counts
/// non-padding tokens, so <see cref="Efficiency"/> = real / (rows x columns).
/// </summary>
public sealed record CollatedBatch(
    torch.Tensor InputIds,
    torch.Tensor Labels,
    torch.Tensor AttentionMask,
    torch.Tensor SegmentIds,
    torch.Tensor PositionIds,
    int Samples,
    long RealTokens) : IDisposable
{
    public long Rows => InputIds.shape[0];

    public long Columns => InputIds.shape[1];

    public double Efficiency => Rows * Columns == 0 ? 0 : (double)RealTokens / (Rows * Columns);

    public void Dispose()
    {
        InputIds.Dispose();
        Labels.Dispose();
        AttentionMask.Dispose();
        SegmentIds.Dispose();
        PositionIds.Dispose();
    }
}
