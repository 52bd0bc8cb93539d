using SharpSpeed.Engine.Flat;

namespace SharpSpeed.Engine.Optim;

/// <summary>
/// What an optimizer updates: a 1-D fp32 range of <see cref="Length"/> elements (the whole flat buffer, or one rank's
/// partition: its chunk of every block) and which stretches of it get weight decay.
/// </summary>
public sealed record OptimizerRange(long Length, IReadOnlyList<PartitionRange> Decayed)
{
    public long DecayedElements => Decayed.Sum(r => r.Length);

    /// <summary>The whole buffer (stage 0, or a single process).</summary>
    public static OptimizerRange Whole(FlatLayout layout, Func<string, bool> decays)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(decays);
        return new OptimizerRange(layout.TotalElements, [.. layout.Segments.Where(s => decays(s.Name)).Select(s => s.Range)]);
    }

    /// <summary>Rank <paramref name="rank"/>'s partition, in partition coordinates.</summary>
    public static OptimizerRange Partition(FlatLayout layout, int rank, Func<string, bool> decays)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(decays);
        var decayed = new List<PartitionRange>();
        foreach (var chunk in layout.OwnedChunks(rank))
        {
            foreach (var (segment, overlap) in layout.SegmentsIn(chunk.Flat))
            {
                if (decays(segment.Name))
                {
                    decayed.Add(new PartitionRange(chunk.PartitionOffset + overlap.Start - chunk.Flat.Start, overlap.Length));
                }
            }
        }
        return new OptimizerRange(layout.PartitionSize, decayed);
    }
}
