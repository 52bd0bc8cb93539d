namespace SharpSpeed.Engine.Config;

/// <summary>A DeepSpeed JSON configuration that cannot be used: the message names the file and the key path.</summary>
public sealed class DeepSpeedConfigException : Exception
{
    public DeepSpeedConfigException(string message) : base(message)
    {
    }

    public DeepSpeedConfigException(string message, Exception innerException) : base(message, innerException)
    {
    }

    public DeepSpeedConfigException()
    {
    }
}
