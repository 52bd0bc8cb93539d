using System.Text.RegularExpressions;

namespace SharpSpeed.IO;

/// <summary>
/// The local HuggingFace hub cache, read as transformers and datasets read it offline
/// (<c>HF_HUB_OFFLINE=1</c>): <c>ROOT/models--org--name/refs/REVISION</c> holds a commit hash, and
/// <c>ROOT/models--org--name/snapshots/HASH/</c> is the repository at that commit (its files are links into
/// <c>blobs/</c>). Data sets live beside them as <c>datasets--org--name</c>. Nothing is ever downloaded.
/// </summary>
public sealed partial class HubCache(string root)
{
    public const string DefaultRevision = "main";

    /// <summary>The cache folder: <c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>
    /// (huggingface_hub also honours the older <c>HUGGINGFACE_HUB_CACHE</c> and <c>XDG_CACHE_HOME</c>).</summary>
    public string Root { get; } = root;

    public static HubCache FromEnvironment() => new(RootFrom(Environment.GetEnvironmentVariable));

    public static string RootFrom(Func<string, string?> environment)
    {
        static string? Set(string? value) => string.IsNullOrEmpty(value) ? null : value;
        if ((Set(environment("HF_HUB_CACHE")) ?? Set(environment("HUGGINGFACE_HUB_CACHE"))) is { } hubCache)
        {
            return ExpandHome(hubCache);
        }
        var home = Set(environment("HF_HOME"))
                   ?? Path.Combine(Set(environment("XDG_CACHE_HOME")) ?? Path.Combine("~", ".cache"), "huggingface");
        return Path.Combine(ExpandHome(home), "hub");
    }

    /// <summary>True for a hub repository id ("name" or "org/name"), the only spellings the cache can hold.</summary>
    public static bool IsRepoId(string value) => RepoIdPattern().IsMatch(value) && !value.Contains("..", StringComparison.Ordinal);

    /// <summary>
    /// A model folder: the argument itself when it exists on disk, else the cached snapshot of that repository at
    /// that revision (a branch or tag under refs/, or a commit hash). A snapshot must hold config.json, as
    /// transformers needs it; the weights (single or sharded safetensors, PyTorch .bin) are the loader's business.
    /// </summary>
    public string ResolveModel(string nameOrPath, string revision = DefaultRevision) =>
        Resolve("model", "models", nameOrPath, revision, snapshot => File.Exists(Path.Combine(snapshot, "config.json")),
            "config.json");

    /// <summary>A data set: the cached snapshot folder of "org/name" (oasst1's parquet files sit under its data/).</summary>

    public string ResolveDataset(string name, string revision = DefaultRevision) =>
        Resolve("dataset", "datasets", name, revision, snapshot => Directory.EnumerateFiles(snapshot, "*", SearchOption.AllDirectories).Any(),
            "any file");

    /// <summary>The snapshot folder of a repository at a revision, or null; every place looked at goes into <paramref name="looked"/>.</summary>
    internal string? FindSnapshot(string kind, string repoId, string revision, List<string> looked)
    {
        var repository = Path.Combine(Root, $"{kind}--{repoId.Replace("/", "--", StringComparison.Ordinal)}");
        if (!Directory.Exists(repository))
        {
            looked.Add($"{repository} (missing)");
            return null;
        }
        var reference = Path.Combine(repository, "refs", revision);
        string commit;
        if (IsRevisionName(revision) && File.Exists(reference))
        {
            commit = File.ReadAllText(reference).Trim();
        }
        else if (CommitHashPattern().IsMatch(revision))
        {
            looked.Add($"{reference} (missing; taken as a commit hash)");
            commit = revision;
        }
        else
        {
            looked.Add($"{reference} (missing)");
            return null;
        }
        var snapshot = Path.Combine(repository, "snapshots", commit);
        if (!CommitHashPattern().IsMatch(commit) || !Directory.Exists(snapshot))
        {
            looked.Add($"{snapshot} (missing)");
            return null;
        }
        return snapshot;
    }

    private string Resolve(string what, string kind, string nameOrPath, string revision, Func<string, bool> complete, string needs)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(nameOrPath);
        ArgumentException.ThrowIfNullOrWhiteSpace(revision);
        if (Directory.Exists(nameOrPath))
        {
            return nameOrPath;
        }
        var looked = new List<string> { $"{Path.GetFullPath(nameOrPath)} (no such folder)" };
        if (IsRepoId(nameOrPath))
        {
            if (FindSnapshot(kind, nameOrPath, revision, looked) is { } snapshot)
            {
                if (complete(snapshot))
                {
                    return snapshot;
                }
                looked.Add($"{snapshot} (has no {needs})");
            }
        }
        else
        {
            looked.Add("not a hub repository id (org/name), so not in the HF cache");
        }
        throw new FileNotFoundException(
            $"{what} '{nameOrPath}' (revision {revision}) is not on this machine, and SharpSpeed never downloads; looked at: " +
            $"{string.Join("; ", looked)}. Set HF_HUB_CACHE or HF_HOME to another cache, or fetch it first " +
            $"(huggingface-cli download {(what == "dataset" ? "--repo-type dataset " : "")}{nameOrPath})", nameOrPath);
    }

    /// <summary>A branch or tag may hold '/' (refs/pr/1) but must stay inside refs/.</summary>
    private static bool IsRevisionName(string revision) =>
        !Path.IsPathRooted(revision) && !revision.Split('/').Any(part => part is "" or "." or "..");

    private static string ExpandHome(string path) =>
        path == "~" || path.StartsWith("~/", StringComparison.Ordinal)
            ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.Length > 2 ? path[2..] : "")
            : path;

    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$", RegexOptions.CultureInvariant)]
    private static partial Regex RepoIdPattern();

    [GeneratedRegex("^[0-9a-f]{40}$", RegexOptions.CultureInvariant)]
    private static partial Regex CommitHashPattern();
}
