using SharpSpeed.Data.Oasst;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// How a data set is read: oasst1 thread rules, the validation share for a single oasst1 file (split per tree
/// by hash; Open-Assistant's configs use 0.05), and whether invalid records are skipped and counted.
/// </summary>
public sealed record DatasetOptions
{
    public OasstThreadOptions Oasst { get; init; } = OasstThreadOptions.All;

    public double ValidationFraction { get; init; } = 0.05;

    public bool SkipInvalidRecords { get; init; }
}
