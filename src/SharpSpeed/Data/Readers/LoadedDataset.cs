using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// A data set read and split. <paramref name="Skipped"/> counts invalid records skipped under skipInvalidRecords;
/// <paramref name="TreesRead"/> and <paramref name="TreesSelected"/> are oasst1's tree counts (0 for other formats).
/// </summary>
public sealed record LoadedDataset(
    DatasetFormat Format,
    IReadOnlyList<string> Files,
    IReadOnlyList<DataSample> Train,
    IReadOnlyList<DataSample> Validation,
    int Skipped,
    int TreesRead,
    int TreesSelected);
