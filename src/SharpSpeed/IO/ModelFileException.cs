namespace SharpSpeed.IO;

/// <summary>
/// A weights file (safetensors, PyTorch .bin, shard index) is malformed, truncated, lies about its contents or
/// asks for something we refuse to do (e.g. a pickle global outside the state-dict allow-list). The message is
/// one line and names the file and, where known, the tensor, key or opcode.
/// </summary>
public sealed class ModelFileException : IOException
{
    public ModelFileException(string path, string problem)
        : base($"{path}: {problem}") => FilePath = path;

    public ModelFileException(string path, string problem, Exception inner)
        : base($"{path}: {problem}", inner) => FilePath = path;

    public ModelFileException()
    {
        FilePath = "";
    }

    public ModelFileException(string message)
        : base(message) => FilePath = "";

    public ModelFileException(string message, Exception inner)
        : base(message, inner) => FilePath = "";

    /// <summary>The file the problem was found in.</summary>
    public string FilePath { get; }
}
