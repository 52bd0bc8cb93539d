namespace SharpSpeed.Engine.Flat;

/// <summary>A rank's chunk of one block: where it lies in the flat buffer and where in the rank's partition.</summary>
public readonly record struct OwnedChunk(FlatBlock Block, PartitionRange Flat, long PartitionOffset)
{
    public PartitionRange InPartition => new(PartitionOffset, Flat.Length);
}
