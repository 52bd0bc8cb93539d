namespace SharpSpeed.Data.Batching;

/// <summary>
/// How much of a batch's token slots real tokens fill: padding each batch of <c>batchSize</c> consecutive examples
/// to its longest, versus packing all examples into rows of the maximum length (best-fit decreasing).
/// </summary>
public static class BatchEfficiency
{
    public static double Padded(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        long real = 0, slots = 0;
        for (var start = 0; start < lengths.Count; start += batchSize)
        {
            var count = Math.Min(batchSize, lengths.Count - start);
            var longest = 0;
            for (var i = start; i < start + count; i++)
            {
                real += lengths[i];
                longest = Math.Max(longest, lengths[i]);
            }
            slots += (long)longest * count;
        }
        return slots == 0 ? 0 : (double)real / slots;
    }

    public static double Packed(IReadOnlyList<int> lengths, int rowLength) =>
        BestFitDecreasingPacker.Efficiency(lengths, BestFitDecreasingPacker.Pack(lengths, rowLength), rowLength);
}
