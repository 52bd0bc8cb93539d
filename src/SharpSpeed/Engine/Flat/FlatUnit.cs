namespace SharpSpeed.Engine.Flat;

/// <summary>
/// One unit of the layout (a model unit: the embedding, a decoder layer, ...): its span of the flat buffer, its blocks
/// (<see cref="FirstBlock"/> onward) and its parameters (indices into the layout's segments).
/// </summary>
public sealed record FlatUnit(int Index, string Name, long Offset, long Length, int FirstBlock, int BlockCount, IReadOnlyList<int> Segments)
{
    public PartitionRange Range => new(Offset, Length);
}
