using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Zero;

/// <summary>
/// Turns a model's full parameters into ZeRO-3 chunks, a unit at a time (so at most one unit is held twice): the
/// unit's parameters are packed in layout order, rank 0's values are broadcast (every rank starts from the same
/// weights), this rank keeps its chunk of each block, and the parameters are emptied. From then on the model's
/// Parameter objects are only anchors: their values exist as chunks and, while a unit runs, gathered.
/// </summary>
internal static class Zero3Partitioner
{
    public static void Partition(FlatLayout layout, ProcessGroup group, IReadOnlyList<(string Name, Parameter Parameter)> parameters, Tensor chunks)
    {
        using var noGrad = no_grad();
        var byName = parameters.ToDictionary(p => p.Name, p => p.Parameter, StringComparer.Ordinal);
        var device = parameters.Count > 0 ? parameters[0].Parameter.device : CPU;
        foreach (var unit in layout.Units)
        {
            using var packed = zeros(unit.Length, dtype: chunks.dtype, device: device);
            foreach (var index in unit.Segments)
            {
                var segment = layout.Segments[index];
                using var target = packed.narrow(0, segment.Offset - unit.Offset, segment.Count);
                using var source = byName[segment.Name].reshape(-1);
                target.copy_(source);
            }
            group.Broadcast(packed, root: 0);
            for (var b = unit.FirstBlock; b < unit.FirstBlock + unit.BlockCount; b++)
            {
                var block = layout.Blocks[b];
                var own = block.Chunk(group.Rank);
                using var source = packed.narrow(0, own.Start - unit.Offset, own.Length);
                using var target = chunks.narrow(0, block.PartitionOffset, own.Length);
                target.copy_(source);
            }
            foreach (var index in unit.Segments)
            {
                using var nothing = empty(0, dtype: chunks.dtype, device: device);
                byName[layout.Segments[index].Name].set_(nothing);
            }
        }
    }
}
