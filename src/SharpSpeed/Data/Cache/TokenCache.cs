using System.Diagnostics;

namespace SharpSpeed.Data.Cache;

/// <summary>How a cache was obtained: reused as found, built now, or built by another rank while this one waited.</summary>
public enum TokenCacheOrigin
{
    Reused,
    Built,
    BuiltByRankZero,
}

/// <summary>
/// Get-or-build for a token cache shared by the ranks of a job (and by later runs). A cache file is used only
/// when it is intact and its key equals the wanted key; otherwise rank 0 rebuilds it (torn, corrupted and stale
/// files alike) under an exclusive lock file, so two jobs never build the same cache at once, while other ranks
/// poll until a matching file appears or the timeout passes.
/// </summary>
public static class TokenCache
{
    public static (TokenCacheFile File, TokenCacheOrigin Origin) GetOrBuild(string path, TokenCacheKey key, int rank,
        Action<string> build, TimeSpan timeout, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        ArgumentNullException.ThrowIfNull(build);
        var wanted = key.ToCanonicalJson();
        if (TryMatching(path, wanted, out var problem) is { } found)
        {
            return (found, TokenCacheOrigin.Reused);
        }
        var clock = Stopwatch.StartNew();
        if (rank != 0)
        {
            while (clock.Elapsed < timeout)
            {
                Thread.Sleep(200);
                if (TryMatching(path, wanted, out problem) is { } built)
                {
                    return (built, TokenCacheOrigin.BuiltByRankZero);
                }
            }
            throw new TimeoutException(
                $"rank {rank} waited {timeout.TotalSeconds:F0} s for rank 0 to build the token cache {path} ({problem})");
        }
        log?.Invoke($"token cache {path}: {problem}; building");
        using (AcquireLock(path + ".lock", timeout))
        {
            // Another job may have built it while this one waited for the lock.
            if (TryMatching(path, wanted, out problem) is { } meanwhile)
            {
                return (meanwhile, TokenCacheOrigin.Reused);
            }
            build(path);
        }
        return TryMatching(path, wanted, out problem) is { } fresh
            ? (fresh, TokenCacheOrigin.Built)
            : throw new InvalidDataException($"token cache {path} is unusable right after building it: {problem}");
    }

    private static TokenCacheFile? TryMatching(string path, string wantedKey, out string problem)
    {
        var file = TokenCacheFile.TryOpen(path, out problem);
        if (file is null)
        {
            return null;
        }
        if (file.Header.Key.ToCanonicalJson() == wantedKey)
        {
            return file;
        }
        file.Dispose();
        problem = "stale: built from other data, tokenizer or settings";
        return null;
    }

    private static FileStream AcquireLock(string lockPath, TimeSpan timeout)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(lockPath))!);
        var clock = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, 1,
                    FileOptions.DeleteOnClose);
            }
            catch (IOException) when (clock.Elapsed < timeout)
            {
                Thread.Sleep(200);
            }
        }
    }
}
