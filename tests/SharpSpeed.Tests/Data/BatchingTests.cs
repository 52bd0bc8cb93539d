using SharpSpeed.Data.Batching;
using SharpSpeed.Models;
using TorchSharp;

namespace SharpSpeed.Tests.Data;

public sealed class BatchingTests
{
    private const int Ig = TokenizedExample.IgnoreIndex;

    private static TokenizedExample Example(int[] ids, int[] labels) => new(ids, labels);

    private static long[] Row(torch.Tensor t, int row) => t[row].data<long>().ToArray();

    [Fact]
    public void Pad_ToLongestWithIgnoredLabels()
    {
        using var batch = Collator.Pad([Example([5, 6, 7], [Ig, 6, 7]), Example([8], [8])], padId: 0);
        Assert.Equal(new long[] { 2, 3 }, batch.InputIds.shape);
        Assert.All(new[] { batch.InputIds, batch.Labels, batch.AttentionMask, batch.SegmentIds, batch.PositionIds },
            t => Assert.Equal(torch.int64, t.dtype));
        Assert.Equal([8, 0, 0], Row(batch.InputIds, 1));
        Assert.Equal([8, Ig, Ig], Row(batch.Labels, 1));
        Assert.Equal([1, 0, 0], Row(batch.AttentionMask, 1));
        Assert.Equal([1, 0, 0], Row(batch.SegmentIds, 1));
        Assert.Equal([0, 1, 2], Row(batch.PositionIds, 0));
        Assert.Equal(4.0 / 6.0, batch.Efficiency, 12);
    }

    [Fact]
    public void Pack_SegmentsPositionsAndBoundaryLabels()
    {
        var a = Example([1, 2, 3], [1, 2, 3]);
        var b = Example([4, 5], [4, 5]);
        var c = Example([6, 7, 8, 9], [Ig, Ig, 8, 9]);
        using var batch = Collator.Pack([[a, b], [c]], padId: 0, rowLength: 6);
        Assert.Equal([1, 2, 3, 4, 5, 0], Row(batch.InputIds, 0));
        Assert.Equal([1, 2, 3, Ig, 5, Ig], Row(batch.Labels, 0)); // b's first token is not predicted from a
        Assert.Equal([1, 1, 1, 2, 2, 0], Row(batch.SegmentIds, 0));
        Assert.Equal([0, 1, 2, 0, 1, 0], Row(batch.PositionIds, 0));
        Assert.Equal([6, 7, 8, 9, 0, 0], Row(batch.InputIds, 1));
        Assert.Equal([Ig, Ig, 8, 9, Ig, Ig], Row(batch.Labels, 1));
        Assert.Equal(3, batch.Samples);
        Assert.Equal(9.0 / 12.0, batch.Efficiency, 12);
    }

    [Fact]
    public void BestFitDecreasing_HandWorkedExample()
    {
        // Sorted 5,4,3,3,2,2,1 into rows of 6: 5 | 4 | 3 -> new | 3 fills the 3 | 2 fills the 4 | 2 -> new | 1 fills the 5.
        int[] lengths = [5, 4, 3, 3, 2, 2, 1];
        var rows = BestFitDecreasingPacker.Pack(lengths, 6);
        Assert.Equal([[0, 6], [1, 4], [2, 3], [5]], rows);
        Assert.Equal(20.0 / 24.0, BestFitDecreasingPacker.Efficiency(lengths, rows, 6), 12);
    }

    [Fact]
    public void BestFitDecreasing_UsesEveryIndexOnceAndRespectsCapacity()
    {
        var random = new Random(5);
        var lengths = Enumerable.Range(0, 500).Select(_ => random.Next(1, 129)).ToArray();
        var rows = BestFitDecreasingPacker.Pack(lengths, 128);
        Assert.Equal(Enumerable.Range(0, 500), rows.SelectMany(r => r).Order());
        Assert.All(rows, r => Assert.InRange(r.Sum(i => lengths[i]), 1, 128));
        var lowerBound = (lengths.Sum() + 127) / 128;
        Assert.InRange(rows.Count, lowerBound, (int)Math.Ceiling(11.0 / 9.0 * lowerBound) + 1);
        Assert.Throws<ArgumentException>(() => BestFitDecreasingPacker.Pack([129], 128));
    }

    [Fact]
    public void PackedRow_AttendsCausallyInsideEachSampleOnly()
    {
        using var batch = Collator.Pack([[Example([5, 6], [5, 6]), Example([7, 8, 9], [7, 8, 9])]], padId: 0, rowLength: 6);
        var seg = Row(batch.SegmentIds, 0);
        Assert.Equal(new long[] { 1, 1, 2, 2, 2, 0 }, seg);
        // The mask the model builds from the collator's segment ids (padding, segment 0, carries label -100).
        using var mask = AttentionMasks.Build(1, 6, 0, null, batch.SegmentIds, null, torch.CPU)!;
        Assert.Equal(new long[] { 1, 1, 6, 6 }, mask.shape);
        for (var q = 0; q < 6; q++)
        {
            for (var k = 0; k < 6; k++)
            {
                Assert.Equal(seg[q] == seg[k] && k <= q, mask[0, 0, q, k].item<bool>());
            }
        }
    }
}
