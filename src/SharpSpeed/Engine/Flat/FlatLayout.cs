namespace SharpSpeed.Engine.Flat;

/// <summary>
/// The layout of a list of named parameters in one contiguous buffer, as DeepSpeed flattens a parameter group:
/// parameters one after another in the given order, each starting on an <see cref="Alignment"/> boundary, and the
/// total padded so the buffer splits into <see cref="Partitions"/> equal, aligned partitions (one per ZeRO rank).
/// Padding elements belong to no parameter and stay zero.
/// </summary>
public sealed class FlatLayout
{
    private readonly Dictionary<string, int> _indexByName;

    private FlatLayout(IReadOnlyList<FlatSegment> segments, long totalElements, int partitions, long alignment)
    {
        Segments = segments;
        TotalElements = totalElements;
        Partitions = partitions;
        Alignment = alignment;
        _indexByName = new Dictionary<string, int>(segments.Count, StringComparer.Ordinal);
        for (var i = 0; i < segments.Count; i++)
        {
            if (!_indexByName.TryAdd(segments[i].Name, i))
            {
                throw new ArgumentException($"parameter \"{segments[i].Name}\" appears twice in the flat layout");
            }
        }
    }

    public IReadOnlyList<FlatSegment> Segments { get; }

    /// <summary>Elements in the buffer, padding included; a multiple of Partitions * Alignment.</summary>
    public long TotalElements { get; }

    public int Partitions { get; }

    public long Alignment { get; }

    public long PartitionSize => TotalElements / Partitions;

    /// <summary>Elements that belong to parameters (the model's parameter count).</summary>
    public long ParameterElements => Segments.Sum(s => s.Count);

    public FlatSegment this[string name] =>
        _indexByName.TryGetValue(name, out var index)
            ? Segments[index]
            : throw new KeyNotFoundException($"parameter \"{name}\" is not in the flat layout");

    public bool Contains(string name) => _indexByName.ContainsKey(name);

    /// <summary>The position of parameter <paramref name="name"/> in <see cref="Segments"/>.</summary>
    public int IndexOf(string name) =>
        _indexByName.TryGetValue(name, out var index) ? index : throw new KeyNotFoundException($"parameter \"{name}\" is not in the flat layout");

    /// <param name="parameters">Names and shapes, in the order they are laid out.</param>
    /// <param name="partitions">How many equal partitions the buffer must split into (the data-parallel world size for ZeRO).</param>
    /// <param name="alignment">Element alignment of every parameter's start and every partition's start.</param>
    public static FlatLayout Create(IEnumerable<(string Name, long[] Shape)> parameters, int partitions = 1, long alignment = 1)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignment, 1);
        var segments = new List<FlatSegment>();
        long offset = 0;
        foreach (var (name, shape) in parameters)
        {
            ArgumentNullException.ThrowIfNull(name);
            ArgumentNullException.ThrowIfNull(shape);
            if (shape.Any(d => d < 0))
            {
                throw new ArgumentException($"parameter \"{name}\" has a negative dimension in [{string.Join(", ", shape)}]");
            }
            var count = shape.Aggregate(1L, (product, d) => checked(product * d));
            segments.Add(new FlatSegment(name, [.. shape], offset, count));
            offset = RoundUp(checked(offset + count), alignment);
        }
        var total = RoundUp(offset, checked(partitions * alignment));
        if (total == 0)
        {
            total = partitions * alignment;
        }
        return new FlatLayout(segments, total, partitions, alignment);
    }

    /// <summary>The elements partition <paramref name="rank"/> owns.</summary>
    public PartitionRange Partition(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Partitions);
        return new PartitionRange(rank * PartitionSize, PartitionSize);
    }

    public PartitionRange Whole => new(0, TotalElements);

    /// <summary>The pieces of parameters that fall inside <paramref name="range"/>, in layout order.</summary>
    public IEnumerable<(FlatSegment Segment, PartitionRange Overlap)> SegmentsIn(PartitionRange range)
    {
        foreach (var segment in Segments)
        {
            var overlap = segment.Range.Intersect(range);
            if (!overlap.IsEmpty)
            {
                yield return (segment, overlap);
            }
        }
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
}
