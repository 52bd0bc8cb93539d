namespace SharpSpeed.Data.Readers;

/// <summary>
/// What to do with a record that cannot be used: throw (default) or, with skipInvalidRecords, count it and go on.
/// One instance travels through a whole read so the caller can report how many records were skipped.
/// </summary>
public sealed class RecordIssues(bool skipInvalidRecords)
{
    private readonly List<string> _firstReasons = [];

    public bool SkipInvalidRecords { get; } = skipInvalidRecords;

    public int Skipped { get; private set; }

    /// <summary>The first few skip reasons, for a log line.</summary>
    public IReadOnlyList<string> FirstReasons => _firstReasons;

    /// <summary>Throws <paramref name="issue"/> unless skipping is on, in which case it is counted.</summary>
    public void Report(InvalidRecordException issue)
    {
        ArgumentNullException.ThrowIfNull(issue);
        if (!SkipInvalidRecords)
        {
            throw issue;
        }
        Skipped++;
        if (_firstReasons.Count < 5)
        {
            _firstReasons.Add(issue.Message);
        }
    }
}
