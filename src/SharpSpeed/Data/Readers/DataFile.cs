namespace SharpSpeed.Data.Readers;

/// <summary>Opens a data file for reading, transparently decompressing gzip (by magic bytes, not by name) and
/// checking its trailer, so that a file cut short is an error rather than a smaller data set.</summary>
public static class DataFile
{
    public static Stream OpenRead(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: data file not found", path);
        }
        var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? CheckedGzipStream.Open(path, file) : file;
    }

    /// <summary>The file name without a trailing ".gz", lower-cased, for format detection by suffix.</summary>
    public static string NameWithoutGzip(string path)
    {
        var name = Path.GetFileName(path).ToLowerInvariant();
        return name.EndsWith(".gz", StringComparison.Ordinal) ? name[..^3] : name;
    }
}
