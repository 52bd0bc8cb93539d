namespace SharpSpeed.Engine.Flat;

/// <summary>
/// The layout of a model's trainable parameters in one contiguous buffer, and how ranks share it. Parameters are laid
/// out unit after unit (<see cref="Units"/>, in forward order), each starting on an <see cref="Alignment"/> boundary.
/// Every unit is cut into <see cref="Blocks"/> of at most <see cref="BlockElements"/> elements, each padded to a
/// multiple of Partitions x Alignment so that it splits into equal, aligned chunks: rank r owns chunk r of every block
/// (FSDP's flat-parameter sharding, per block). A block is the unit of one collective (reduce-scatter or all-reduce of
/// its gradients, all-gather of its parameters), and never crosses a unit's boundary. A rank's partition is its
/// chunks of all blocks, back to back (<see cref="PartitionSize"/> elements). Padding belongs to no parameter and
/// stays zero.
/// </summary>
public sealed class FlatLayout
{
    private readonly Dictionary<string, int> _indexByName;

    private FlatLayout(IReadOnlyList<FlatSegment> segments, IReadOnlyList<FlatUnit> units, IReadOnlyList<FlatBlock> blocks,
        int partitions, long alignment, long blockElements)
    {
        Segments = segments;
        Units = units;
        Blocks = blocks;
        Partitions = partitions;
        Alignment = alignment;
        BlockElements = blockElements;
        TotalElements = blocks.Sum(b => b.Length);
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

    public IReadOnlyList<FlatUnit> Units { get; }

    public IReadOnlyList<FlatBlock> Blocks { get; }

    /// <summary>Elements in the buffer, padding included; a multiple of Partitions x Alignment.</summary>
    public long TotalElements { get; }

    public int Partitions { get; }

    public long Alignment { get; }

    /// <summary>The most elements one block may hold (before rounding to the chunk quantum).</summary>
    public long BlockElements { get; }

    /// <summary>Elements of one rank's partition: its chunk of every block.</summary>
    public long PartitionSize => TotalElements / Partitions;

    /// <summary>Elements that belong to parameters (the model's parameter count).</summary>
    public long ParameterElements => Segments.Sum(s => s.Count);

    public PartitionRange Whole => new(0, TotalElements);

    public FlatSegment this[string name] => Segments[IndexOf(name)];

    public bool Contains(string name) => _indexByName.ContainsKey(name);

    /// <summary>The position of parameter <paramref name="name"/> in <see cref="Segments"/>.</summary>
    public int IndexOf(string name) =>
        _indexByName.TryGetValue(name, out var index) ? index : throw new KeyNotFoundException($"parameter \"{name}\" is not in the flat layout");

    /// <summary>One unit holding every parameter (tests, and layouts without units).</summary>
    public static FlatLayout Create(
        IEnumerable<(string Name, long[] Shape)> parameters, int partitions = 1, long alignment = 1, long blockElements = long.MaxValue) =>
        Create([("all", parameters)], partitions, alignment, blockElements);

    /// <param name="units">Named groups of parameters (names and shapes), in the order they are laid out.</param>
    /// <param name="partitions">Ranks that share every block (1 when each rank holds everything).</param>
    /// <param name="alignment">Element alignment of every parameter and of every chunk.</param>
    /// <param name="blockElements">The most elements per block; rounded down to a multiple of partitions x alignment (at least one).</param>
    public static FlatLayout Create(
        IEnumerable<(string Name, IEnumerable<(string Name, long[] Shape)> Parameters)> units, int partitions, long alignment, long blockElements)
    {
        ArgumentNullException.ThrowIfNull(units);
        ArgumentOutOfRangeException.ThrowIfLessThan(partitions, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(alignment, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(blockElements, 1);
        var quantum = checked(partitions * alignment);
        var maxBlock = Math.Max(quantum, blockElements / quantum * quantum);
        var segments = new List<FlatSegment>();
        var flatUnits = new List<FlatUnit>();
        var blocks = new List<FlatBlock>();
        long offset = 0, partitionOffset = 0;
        foreach (var (unitName, parameters) in units)
        {
            ArgumentNullException.ThrowIfNull(parameters);
            var unitStart = offset;
            var firstSegment = segments.Count;
            foreach (var (name, shape) in parameters)
            {
                ArgumentNullException.ThrowIfNull(name);
                ArgumentNullException.ThrowIfNull(shape);
                if (shape.Any(d => d < 0))
                {
                    throw new ArgumentException($"parameter \"{name}\" has a negative dimension in [{string.Join(", ", shape)}]");
                }
                var count = shape.Aggregate(1L, (product, d) => checked(product * d));
                segments.Add(new FlatSegment(name, [.. shape], offset, count, flatUnits.Count));
                offset = RoundUp(checked(offset + count), alignment);
            }
            var firstBlock = blocks.Count;
            var end = offset;
            for (var start = unitStart; start < end;)
            {
                var length = Math.Min(maxBlock, RoundUp(end - start, quantum));
                blocks.Add(new FlatBlock(blocks.Count, flatUnits.Count, start, length, partitionOffset, partitions));
                partitionOffset += length / partitions;
                start += length;
            }
            offset = blocks.Count > firstBlock ? blocks[^1].Range.End : unitStart;
            flatUnits.Add(new FlatUnit(flatUnits.Count, unitName, unitStart, offset - unitStart, firstBlock, blocks.Count - firstBlock,
                [.. Enumerable.Range(firstSegment, segments.Count - firstSegment)]));
        }
        if (blocks.Count == 0)
        {
            // Nothing to train still gives every rank one (padding) chunk, so collectives stay well-formed.
            flatUnits.Add(new FlatUnit(flatUnits.Count, "padding", offset, quantum, 0, 1, []));
            blocks.Add(new FlatBlock(0, flatUnits.Count - 1, offset, quantum, 0, partitions));
        }
        return new FlatLayout(segments, flatUnits, blocks, partitions, alignment, maxBlock);
    }

    /// <summary>
    /// The pieces of the buffer that rank <paramref name="rank"/> owns, in partition order: every block's chunk, where
    /// it lies in the flat buffer and where in the rank's partition.
    /// </summary>
    public IEnumerable<OwnedChunk> OwnedChunks(int rank)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(rank);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(rank, Partitions);
        return Blocks.Select(b => new OwnedChunk(b, b.Chunk(rank), b.PartitionOffset));
    }

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

    /// <summary>The blocks a parameter's elements lie in (one, unless the parameter is larger than a block).</summary>
    public IEnumerable<FlatBlock> BlocksOf(FlatSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        var unit = Units[segment.Unit];
        for (var i = unit.FirstBlock; i < unit.FirstBlock + unit.BlockCount; i++)
        {
            if (!Blocks[i].Range.Intersect(segment.Range).IsEmpty)
            {
                yield return Blocks[i];
            }
        }
    }

    private static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
}
