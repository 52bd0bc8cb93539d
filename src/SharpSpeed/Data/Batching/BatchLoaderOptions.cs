namespace SharpSpeed.Data.Batching;

/// <summary>Settings of a <see cref="TokenBatchLoader"/>: batch size per rank, rank layout, shuffling and packing.</summary>
public sealed record BatchLoaderOptions(int BatchSize, int MaxSeqLength, int PadId)
{
    public int WorldSize { get; init; } = 1;

    public int Rank { get; init; }

    public bool Shuffle { get; init; } = true;

    public long Seed { get; init; } = 42;

    public bool Packing { get; init; }

    public bool DropLastBatch { get; init; }
}
