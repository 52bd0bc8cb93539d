namespace SharpSpeed.Planning;

/// <summary>
/// How the engine cuts trainable units into communication blocks (docs/architecture.md, "Blocks"): each unit's
/// 16-aligned flat elements are cut into blocks of <c>blockElements</c> rounded down to a multiple of world x 16;
/// the unit's last block is padded up to a multiple of world x 16; rank r owns chunk r (1/world) of every block.
/// </summary>
public sealed record BlockLayout(
    long Elements,
    long PaddedElements,
    long PartitionElements,
    long FullBlockElements,
    long LargestBlockElements,
    int BlockCount,
    long LargestUnitElements,
    long PersistentElements)
{
    public static BlockLayout Plan(IReadOnlyList<PlannedUnit> units, int world, long blockElements, long persistenceThreshold = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(world);
        long quantum = (long)world * PlannedUnit.ParameterAlignment;
        long full = Math.Max(quantum, blockElements / quantum * quantum);
        long elements = 0, padded = 0, largestBlock = 0, largestUnit = 0, persistent = 0;
        int blocks = 0;
        foreach (var unit in units)
        {
            long aligned = unit.AlignedElements;
            long fullBlocks = aligned / full;
            long rest = aligned - fullBlocks * full;
            long lastBlock = PlannedUnit.RoundUp(rest, quantum);
            long unitPadded = fullBlocks * full + lastBlock;
            elements += unit.Elements;
            padded += unitPadded;
            blocks += (int)fullBlocks + (rest > 0 ? 1 : 0);
            largestBlock = Math.Max(largestBlock, fullBlocks > 0 ? full : lastBlock);
            if (unit.Elements <= persistenceThreshold)
            {
                persistent += unitPadded;
            }
            else
            {
                largestUnit = Math.Max(largestUnit, unitPadded);
            }
        }
        return new BlockLayout(elements, padded, padded / world, full, largestBlock, blocks, largestUnit, persistent);
    }
}
