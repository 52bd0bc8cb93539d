using System.Security.Cryptography;
using System.Text;

namespace SharpSpeed.Tests.IO;

/// <summary>
/// Writes a folder into a hub cache as huggingface_hub's downloads lay it out: each file's content once under
/// <c>blobs/</c>, <c>snapshots/COMMIT/PATH</c> a relative symbolic link to it, <c>refs/BRANCH</c> holding the commit.
/// </summary>
internal sealed class HubCacheLayout(string root)
{
    public string Root { get; } = root;

    public string RepositoryFolder(string kind, string repoId) =>
        Path.Combine(Root, $"{kind}--{repoId.Replace("/", "--", StringComparison.Ordinal)}");

    public string Snapshot(string kind, string repoId, string commit) =>
        Path.Combine(RepositoryFolder(kind, repoId), "snapshots", commit);

    /// <summary>Publishes every file under <paramref name="source"/> as a new commit; returns its 40-hex hash.</summary>
    public string Publish(string kind, string repoId, string source, string? branch)
    {
        var repository = RepositoryFolder(kind, repoId);
        // Git names commits by 40 hex digits; any unique value of that shape will do here.
        var commit = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{repoId} {Guid.NewGuid()}")))[..40];
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var bytes = File.ReadAllBytes(file);
            var blob = Path.Combine(repository, "blobs", Convert.ToHexStringLower(SHA256.HashData(bytes)));
            Directory.CreateDirectory(Path.GetDirectoryName(blob)!);
            if (!File.Exists(blob))
            {
                File.WriteAllBytes(blob, bytes);
            }
            var link = Path.Combine(repository, "snapshots", commit, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            File.CreateSymbolicLink(link, Path.GetRelativePath(Path.GetDirectoryName(link)!, blob));
        }
        if (branch is not null)
        {
            var reference = Path.Combine(repository, "refs", branch);
            Directory.CreateDirectory(Path.GetDirectoryName(reference)!);
            File.WriteAllText(reference, commit);
        }
        return commit;
    }
}
