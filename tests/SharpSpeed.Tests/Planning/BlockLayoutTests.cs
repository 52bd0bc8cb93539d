using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class BlockLayoutTests
{
    private static PlannedUnit Unit(int index, params long[] sizes) =>
        new(index, $"u{index}", [.. sizes.Select((n, i) => new PlannedParameter($"u{index}.p{i}", [n]))]);

    // World 2: chunks of 16 per rank, so blocks are multiples of 32; a requested block of 100 elements becomes 96.
    // Unit 0: parameters of 50 and 30 align to 64 + 32 = 96 elements: one full block.
    // Unit 1: one parameter of 200 aligns to 208: two full blocks (192) and a last block of 16 padded to 32.
    [Fact]
    public void BlocksAreRoundedToWorldTimesSixteenAndTheLastOnePadded()
    {
        var layout = BlockLayout.Plan([Unit(0, 50, 30), Unit(1, 200)], world: 2, blockElements: 100);
        Assert.Equal(96, layout.FullBlockElements);
        Assert.Equal(280, layout.Elements);
        Assert.Equal(96 + 224, layout.PaddedElements);
        Assert.Equal(160, layout.PartitionElements);
        Assert.Equal(4, layout.BlockCount);
        Assert.Equal(96, layout.LargestBlockElements);
        Assert.Equal(224, layout.LargestUnitElements);
    }

    [Fact]
    public void BlockSmallerThanOneQuantumStillHoldsOneChunkPerRank()
    {
        var layout = BlockLayout.Plan([Unit(0, 10)], world: 4, blockElements: 8);
        Assert.Equal(64, layout.FullBlockElements);
        Assert.Equal(64, layout.PaddedElements);
        Assert.Equal(16, layout.PartitionElements);
    }

    [Fact]
    public void UnitsUpToThePersistenceThresholdAreKeptApart()
    {
        var layout = BlockLayout.Plan([Unit(0, 64), Unit(1, 1000)], world: 2, blockElements: 1 << 20, persistenceThreshold: 64);
        Assert.Equal(64, layout.PersistentElements);
        Assert.Equal(1024, layout.LargestUnitElements);
    }
}
