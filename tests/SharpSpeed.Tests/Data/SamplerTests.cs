using SharpSpeed.Data.Sampling;

namespace SharpSpeed.Tests.Data;

public sealed class SamplerTests
{
    /// <summary>Reference shards printed by torch 1.13's DistributedSampler(range(n), shuffle=False) for each rank.</summary>
    public static TheoryData<int, int, bool, int[][]> TorchUnshuffled => new()
    {
        { 10, 3, false, [[0, 3, 6, 9], [1, 4, 7, 0], [2, 5, 8, 1]] },
        { 10, 3, true, [[0, 3, 6], [1, 4, 7], [2, 5, 8]] },
        { 2, 5, false, [[0], [1], [0], [1], [0]] },
        { 7, 7, false, [[0], [1], [2], [3], [4], [5], [6]] },
        { 11, 4, true, [[0, 4], [1, 5], [2, 6], [3, 7]] },
    };

    [Theory]
    [MemberData(nameof(TorchUnshuffled))]
    public void Unshuffled_MatchesTorch(int n, int world, bool dropLast, int[][] expected)
    {
        for (var rank = 0; rank < world; rank++)
        {
            Assert.Equal(expected[rank], new DistributedSampler(n, world, rank, shuffle: false, dropLast: dropLast).Indices(0));
        }
    }

    [Theory]
    [InlineData(100, 3)]
    [InlineData(101, 4)]
    [InlineData(5, 8)]
    public void Shuffled_ShardsAreEqualSizedDisjointAndCoverEverything(int n, int world)
    {
        var shards = Enumerable.Range(0, world).Select(r => new DistributedSampler(n, world, r, seed: 42).Indices(3)).ToList();
        var perRank = (n + world - 1) / world;
        Assert.All(shards, s => Assert.Equal(perRank, s.Length));
        var all = shards.SelectMany(s => s).ToList();
        Assert.Equal(Enumerable.Range(0, n), all.Distinct().Order());
        // Only the wrap-around padding repeats indices: exactly world*perRank - n duplicates when n >= world.
        if (n >= world)
        {
            Assert.Equal(world * perRank - n, all.Count - all.Distinct().Count());
        }
    }

    [Fact]
    public void Shuffled_DropLastShardsAreDisjoint()
    {
        var shards = Enumerable.Range(0, 4).Select(r => new DistributedSampler(103, 4, r, seed: 1, dropLast: true).Indices(0)).ToList();
        var all = shards.SelectMany(s => s).ToList();
        Assert.Equal(100, all.Count);
        Assert.Equal(100, all.Distinct().Count());
    }

    [Fact]
    public void ReshufflesPerEpochAndRepeatsForTheSameSeedAndEpoch()
    {
        var sampler = new DistributedSampler(1000, 2, 0, seed: 7);
        Assert.Equal(sampler.Indices(1), new DistributedSampler(1000, 2, 0, seed: 7).Indices(1));
        Assert.NotEqual(sampler.Indices(0), sampler.Indices(1));
        Assert.NotEqual(sampler.Indices(0), new DistributedSampler(1000, 2, 0, seed: 8).Indices(0));
        // seed + epoch, as torch: seed 7 epoch 1 is seed 8 epoch 0.
        Assert.Equal(sampler.Indices(1), new DistributedSampler(1000, 2, 0, seed: 8).Indices(0));
    }

    [Fact]
    public void Permutation_IsAPermutationAndRoughlyUniform()
    {
        // Position of element 0 over 4000 seeds of a 4-permutation: each slot ~1000 (sd ~27).
        var counts = new int[4];
        for (var seed = 0; seed < 4000; seed++)
        {
            var p = SeededPermutation.Create(4, seed);
            Assert.Equal([0, 1, 2, 3], p.Order());
            counts[Array.IndexOf(p, 0)]++;
        }
        Assert.All(counts, c => Assert.InRange(c, 880, 1120));
    }

    [Fact]
    public void EveryRankGetsTheSameBatchCount()
    {
        var counts = Enumerable.Range(0, 3)
            .Select(r => new DistributedBatchSampler(new DistributedSampler(10, 3, r), batchSize: 3).Epoch(0).Count())
            .ToList();
        Assert.Equal([2, 2, 2], counts); // 4 samples per rank -> batches of 3 and 1
    }

    [Fact]
    public void ResumingAnEpochAtAStepContinuesTheSameSequence()
    {
        var batches = new DistributedBatchSampler(new DistributedSampler(50, 2, 1, seed: 3), batchSize: 4);
        var full = batches.Epoch(1).ToList();
        var resumed = batches.Epoch(1, startStep: 2).ToList();
        Assert.Equal(full.Skip(2).Select(b => b.Step), resumed.Select(b => b.Step));
        Assert.Equal(full.Skip(2).SelectMany(b => b.Indices), resumed.SelectMany(b => b.Indices));
        Assert.Throws<ArgumentOutOfRangeException>(() => batches.Epoch(1, batches.BatchesPerEpoch + 1).ToList());
    }
}
