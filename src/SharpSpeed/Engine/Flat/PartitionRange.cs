namespace SharpSpeed.Engine.Flat;

/// <summary>A half-open range [Start, Start + Length) of elements in a flat buffer: one rank's partition, or part of one.</summary>
public readonly record struct PartitionRange(long Start, long Length)
{
    public long End => Start + Length;

    public bool IsEmpty => Length == 0;

    /// <summary>The overlap of two ranges (empty, at the later start, when they do not meet).</summary>
    public PartitionRange Intersect(PartitionRange other)
    {
        var start = Math.Max(Start, other.Start);
        var end = Math.Min(End, other.End);
        return end > start ? new PartitionRange(start, end - start) : new PartitionRange(start, 0);
    }
}
