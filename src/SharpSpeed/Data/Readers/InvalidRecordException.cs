namespace SharpSpeed.Data.Readers;

/// <summary>A record of a data file that cannot be used; the message reads "file:line: reason".</summary>
public sealed class InvalidRecordException : Exception
{
    public InvalidRecordException(string file, long line, string reason)
        : base($"{file}:{line}: {reason}")
    {
        File = file;
        Line = line;
        Reason = reason;
    }

    public InvalidRecordException()
    {
        File = string.Empty;
        Reason = string.Empty;
    }

    public InvalidRecordException(string message) : base(message)
    {
        File = string.Empty;
        Reason = message;
    }

    public InvalidRecordException(string message, Exception innerException) : base(message, innerException)
    {
        File = string.Empty;
        Reason = message;
    }

    public string File { get; }

    public long Line { get; }

    public string Reason { get; }
}
