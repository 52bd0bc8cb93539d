namespace SharpSpeed.Engine.Config;

/// <summary>
/// A DeepSpeed config file's text, read once per run: every reconciliation with the training arguments (before and
/// after the run's step count is known) reads the same JSON, even if the file changes on disk meanwhile.
/// </summary>
public sealed record DeepSpeedFile(string Path, string Json)
{
    public static DeepSpeedFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        try
        {
            return new DeepSpeedFile(path, File.ReadAllText(path));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeepSpeedConfigException($"{path}: cannot read the DeepSpeed config: {e.Message}", e);
        }
    }
}
