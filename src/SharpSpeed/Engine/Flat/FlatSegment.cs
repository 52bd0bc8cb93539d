namespace SharpSpeed.Engine.Flat;

/// <summary>
/// Where one named parameter lives in a flat buffer: <see cref="Count"/> elements from <see cref="Offset"/>, viewed as
/// <see cref="Shape"/>, inside unit number <see cref="Unit"/> of the layout.
/// </summary>
public sealed record FlatSegment(string Name, IReadOnlyList<long> Shape, long Offset, long Count, int Unit)
{
    public PartitionRange Range => new(Offset, Count);

    public long[] ShapeArray() => [.. Shape];
}
