namespace SharpSpeed.Data.Sampling;

/// <summary>
/// torch.utils.data.DistributedSampler's semantics: each of <see cref="WorldSize"/> ranks gets
/// <see cref="SamplesPerRank"/> indices. The epoch's order is a permutation seeded with seed + epoch
/// (<see cref="SeededPermutation"/>, not torch's RNG) or 0..n-1 without shuffle. Without drop_last the order is
/// padded by wrapping around to a multiple of the world size; with drop_last the tail is cut. Rank r takes
/// positions r, r + world, r + 2*world, ... so shards are disjoint and together cover the (padded) order.
/// </summary>
public sealed class DistributedSampler
{
    public DistributedSampler(int datasetLength, int worldSize, int rank, bool shuffle = true, long seed = 0,
        bool dropLast = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(datasetLength);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        if (rank < 0 || rank >= worldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize - 1}]");
        }
        DatasetLength = datasetLength;
        WorldSize = worldSize;
        Rank = rank;
        Shuffle = shuffle;
        Seed = seed;
        DropLast = dropLast;
        SamplesPerRank = dropLast && datasetLength % worldSize != 0
            ? (datasetLength - worldSize + worldSize - 1) / worldSize
            : (datasetLength + worldSize - 1) / worldSize;
        if (SamplesPerRank == 0)
        {
            throw new ArgumentException(
                $"drop_last with {datasetLength} samples over {worldSize} ranks leaves no sample per rank", nameof(dropLast));
        }
    }

    public int DatasetLength { get; }

    public int WorldSize { get; }

    public int Rank { get; }

    public bool Shuffle { get; }

    public long Seed { get; }

    public bool DropLast { get; }

    public int SamplesPerRank { get; }

    public int TotalSize => SamplesPerRank * WorldSize;

    /// <summary>This rank's data set indices for <paramref name="epoch"/>, in the order it should visit them.</summary>
    public int[] Indices(int epoch)
    {
        var order = Shuffle ? SeededPermutation.Create(DatasetLength, Seed + epoch) : Enumerable.Range(0, DatasetLength).ToArray();
        var shard = new int[SamplesPerRank];
        for (var i = 0; i < SamplesPerRank; i++)
        {
            // Position in the padded order; positions past the end wrap around to its start, as torch's padding
            // (indices + indices[:padding], repeated when padding exceeds the data set) does.
            var position = Rank + i * WorldSize;
            shard[i] = order[position % DatasetLength];
        }
        return shard;
    }
}
