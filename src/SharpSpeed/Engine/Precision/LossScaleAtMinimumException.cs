namespace SharpSpeed.Engine.Precision;

/// <summary>fp16 gradients overflowed with the loss scale already at min_loss_scale: DeepSpeed ends the run here.</summary>
public sealed class LossScaleAtMinimumException : Exception
{
    public const string DeepSpeedMessage = "Current loss scale already at minimum - cannot decrease scale anymore. Exiting run.";

    public LossScaleAtMinimumException() : base(DeepSpeedMessage)
    {
    }

    public LossScaleAtMinimumException(string message) : base(message)
    {
    }

    public LossScaleAtMinimumException(string message, Exception innerException) : base(message, innerException)
    {
    }
}
