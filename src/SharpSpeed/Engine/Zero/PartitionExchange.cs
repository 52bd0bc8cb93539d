using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Zero;

/// <summary>
/// Moves values between a rank's partition (its chunk of every block, back to back) and the flat layout: chunks into
/// their places, and the all-gather that completes every block on every rank (one in-place collective per block, or
/// one broadcast per chunk owner when allgather_partitions is false).
/// </summary>
internal static class PartitionExchange
{
    /// <summary>Copies this rank's chunks from <paramref name="partition"/> into their places in <paramref name="flat"/> (casting, across devices).</summary>
    public static void PlaceOwnChunks(FlatLayout layout, int rank, Tensor partition, Tensor flat)
    {
        using var noGrad = no_grad();
        foreach (var chunk in layout.OwnedChunks(rank))
        {
            using var target = flat.narrow(0, chunk.Flat.Start, chunk.Flat.Length);
            using var source = partition.narrow(0, chunk.PartitionOffset, chunk.Flat.Length);
            target.copy_(source);
        }
    }

    /// <summary>Completes every block of <paramref name="flat"/> from its owners' chunks (all blocks in flight at once, then waited for).</summary>
    public static void GatherBlocks(FlatLayout layout, ProcessGroup group, Tensor flat, bool allgatherPartitions)
    {
        using var noGrad = no_grad();
        var works = new List<(CommWork Work, Tensor Region, Tensor Part)>();
        foreach (var block in layout.Blocks)
        {
            var region = flat.narrow(0, block.Offset, block.Length);
            if (allgatherPartitions)
            {
                var own = region.narrow(0, group.Rank * block.ChunkLength, block.ChunkLength);
                works.Add((group.AllGatherAsync(own, region), region, own));
                continue;
            }
            for (var owner = 0; owner < group.WorldSize; owner++)
            {
                var chunk = region.narrow(0, owner * block.ChunkLength, block.ChunkLength);
                works.Add((group.BroadcastAsync(chunk, owner), region, chunk));
            }
        }
        foreach (var (work, region, part) in works)
        {
            work.Wait();
            part.Dispose();
            region.Dispose();
        }
    }

    /// <summary>
    /// The whole flat buffer from every rank's <paramref name="partition"/>, in host memory and <paramref name="dtype"/>;
    /// collective. Works a block at a time on <paramref name="device"/>, so the device never holds more than one block
    /// beyond what it already holds.
    /// </summary>
    public static Tensor Consolidate(FlatLayout layout, ProcessGroup group, Tensor partition, ScalarType dtype, Device device)
    {
        using var noGrad = no_grad();
        var full = zeros(layout.TotalElements, dtype: dtype);
        foreach (var block in layout.Blocks)
        {
            using var region = empty(block.Length, dtype: partition.dtype, device: device);
            using (var own = region.narrow(0, group.Rank * block.ChunkLength, block.ChunkLength))
            using (var source = partition.narrow(0, block.PartitionOffset, block.ChunkLength))
            {
                own.copy_(source);
                group.AllGather(own, region);
            }
            using var target = full.narrow(0, block.Offset, block.Length);
            target.copy_(region);
        }
        return full.DetachFromDisposeScope();
    }
}
