namespace SharpSpeed.Engine.Flat;

/// <summary>
/// A contiguous piece of the flat buffer that one collective moves, split into <see cref="Partitions"/> equal chunks:
/// rank r owns chunk r. <see cref="PartitionOffset"/> is where every rank keeps its chunk of this block inside its own
/// partition (the same place on every rank).
/// </summary>
public sealed record FlatBlock(int Index, int Unit, long Offset, long Length, long PartitionOffset, int Partitions)
{
    public PartitionRange Range => new(Offset, Length);

    public long ChunkLength => Length / Partitions;

    /// <summary>The elements of the flat buffer that rank <paramref name="rank"/> owns in this block.</summary>
    public PartitionRange Chunk(int rank) => new(Offset + rank * ChunkLength, ChunkLength);
}
