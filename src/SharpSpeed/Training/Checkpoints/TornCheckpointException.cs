namespace SharpSpeed.Training.Checkpoints;

/// <summary>A checkpoint folder that is incomplete or altered: refusing it keeps a run from resuming from garbage.</summary>
public sealed class TornCheckpointException : Exception
{
    public TornCheckpointException(string message) : base(message)
    {
    }

    public TornCheckpointException()
    {
    }

    public TornCheckpointException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
