namespace SharpSpeed.IO;

/// <summary>
/// Files shipped in the repository's assets/ folder (bundled tokenizer, sample data, named model configs).
/// The build copies them beside the assemblies, so they are found the same way from the CLI, the tests and
/// an installed package.
/// </summary>
public static class BundledAssets
{
    public static string Root { get; } = System.IO.Path.Combine(AppContext.BaseDirectory, "assets");

    /// <summary>Absolute path of a bundled file or folder; throws a clear error when it is missing.</summary>
    public static string Locate(string relative)
    {
        var full = System.IO.Path.Combine(Root, relative);
        if (!File.Exists(full) && !Directory.Exists(full))
        {
            throw new FileNotFoundException(
                $"bundled asset '{relative}' is missing from {Root}: rebuild SharpSpeed so assets/ is copied", full);
        }
        return full;
    }
}
