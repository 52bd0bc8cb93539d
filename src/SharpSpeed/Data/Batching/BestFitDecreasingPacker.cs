namespace SharpSpeed.Data.Batching;

/// <summary>
/// Packs sequences into rows of a fixed capacity by best-fit decreasing: longest first, each into the fullest row
/// that still has room (a sorted multiset of free space keyed by remaining capacity), else a new row. BFD uses at
/// most 11/9 OPT + 6/9 rows. Ties keep input order, so the result is deterministic.
/// </summary>
public static class BestFitDecreasingPacker
{
    /// <summary>Rows of indices into <paramref name="lengths"/>.</summary>
    public static List<List<int>> Pack(IReadOnlyList<int> lengths, int capacity)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        var order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToList();
        var rows = new List<List<int>>();
        // (remaining space, row index) sorted: the best fit is the smallest remaining space >= length.
        var free = new SortedSet<(int Remaining, int Row)>();
        foreach (var index in order)
        {
            var length = lengths[index];
            if (length <= 0 || length > capacity)
            {
                throw new ArgumentException(
                    $"sequence {index} has length {length}; packing needs 1..{capacity} (truncate first)", nameof(lengths));
            }
            var candidates = free.GetViewBetween((length, int.MinValue), (capacity, int.MaxValue));
            if (candidates.Count > 0)
            {
                var best = candidates.Min;
                free.Remove(best);
                rows[best.Row].Add(index);
                if (best.Remaining - length > 0)
                {
                    free.Add((best.Remaining - length, best.Row));
                }
            }
            else
            {
                rows.Add([index]);
                if (capacity - length > 0)
                {
                    free.Add((capacity - length, rows.Count - 1));
                }
            }
        }
        return rows;
    }

    /// <summary>Share of the rows' slots that real tokens fill.</summary>
    public static double Efficiency(IReadOnlyList<int> lengths, IReadOnlyList<List<int>> rows, int capacity)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        ArgumentNullException.ThrowIfNull(rows);
        return rows.Count == 0 ? 0 : (double)lengths.Sum() / ((long)rows.Count * capacity);
    }
}
