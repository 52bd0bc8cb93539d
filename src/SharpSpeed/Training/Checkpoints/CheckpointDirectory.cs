using System.Globalization;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// The checkpoints of one output_dir, HF style: <c>checkpoint-&lt;step&gt;/</c> folders and a <c>latest</c> file that
/// names the newest complete one. Folders are built under a temporary name and renamed into place, so a crash
/// leaves either the old set or the new one, plus a temporary folder that is never loaded and is cleared later.
/// </summary>
public sealed class CheckpointDirectory(string outputDir)
{
    public const string LatestFileName = "latest";
    private const string Prefix = "checkpoint-";
    private const string TemporaryPrefix = ".tmp-checkpoint-";

    public string OutputDir { get; } = outputDir;

    public string PathFor(long step) => Path.Combine(OutputDir, Prefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>The folder every rank writes into before it is published.</summary>
    public string TemporaryPathFor(long step) =>
        Path.Combine(OutputDir, TemporaryPrefix + step.ToString(CultureInfo.InvariantCulture));

    /// <summary>Completed checkpoints, oldest first (by step).</summary>
    public IReadOnlyList<(long Step, string Path)> List() =>
        !Directory.Exists(OutputDir)
            ? []
            : Directory.EnumerateDirectories(OutputDir, Prefix + "*")
                .Select(path => (Ok: long.TryParse(Path.GetFileName(path)[Prefix.Length..], NumberStyles.None,
                    CultureInfo.InvariantCulture, out var step), Step: step, Path: path))
                .Where(c => c.Ok && File.Exists(System.IO.Path.Combine(c.Path, CheckpointManifest.FileName)))
                .OrderBy(c => c.Step)
                .Select(c => (c.Step, c.Path))
                .ToList();

    /// <summary>Renames a finished temporary folder into place and points <c>latest</c> at it.</summary>
    public string Publish(long step)
    {
        var temporary = TemporaryPathFor(step);
        var final = PathFor(step);
        CheckpointManifest.Verify(temporary);
        if (Directory.Exists(final))
        {
            // Re-saving a step (a resumed run that reached it again): the old copy goes only once the new one is whole.
            var displaced = final + ".old";
            Directory.Move(final, displaced);
            Directory.Move(temporary, final);
            Directory.Delete(displaced, recursive: true);
        }
        else
        {
            Directory.Move(temporary, final);
        }
        var latestTemporary = Path.Combine(OutputDir, LatestFileName + ".tmp");
        File.WriteAllText(latestTemporary, Path.GetFileName(final) + "\n");
        File.Move(latestTemporary, Path.Combine(OutputDir, LatestFileName), overwrite: true);
        return final;
    }

    /// <summary>Deletes the oldest checkpoints beyond <paramref name="limit"/>; the newest is always kept.</summary>
    public IReadOnlyList<string> Rotate(int? limit)
    {
        if (limit is not { } keep)
        {
            return [];
        }
        var all = List();
        var removed = all.Take(Math.Max(0, all.Count - Math.Max(1, keep))).Select(c => c.Path).ToList();
        foreach (var path in removed)
        {
            Directory.Delete(path, recursive: true);
        }
        return removed;
    }

    /// <summary>Leftovers of interrupted saves.</summary>
    public void ClearTemporary()
    {
        if (!Directory.Exists(OutputDir))
        {
            return;
        }
        foreach (var path in Directory.EnumerateDirectories(OutputDir, TemporaryPrefix + "*"))
        {
            Directory.Delete(path, recursive: true);
        }
    }

    /// <summary>
    /// <c>--resume_from_checkpoint auto</c> (what launch's restarts pass): the newest checkpoint that passes
    /// <see cref="CheckpointManifest.Verify"/>, saying through <paramref name="say"/> which newer ones were skipped
    /// and why; null when the folder holds no checkpoint at all (a fresh start). Refuses when checkpoints exist but
    /// none is intact, naming each failure: starting afresh over them would silently lose the run.
    /// </summary>
    public string? ResolveAutomatic(Action<string> say)
    {
        ArgumentNullException.ThrowIfNull(say);
        var candidates = Directory.Exists(OutputDir)
            ? Directory.EnumerateDirectories(OutputDir, Prefix + "*")
                .Select(path => (Ok: long.TryParse(Path.GetFileName(path)[Prefix.Length..], NumberStyles.None,
                    CultureInfo.InvariantCulture, out var step), Step: step, Path: path))
                .Where(c => c.Ok)
                .OrderByDescending(c => c.Step)
                .ToList()
            : [];
        var failures = new List<string>();
        foreach (var (_, _, path) in candidates)
        {
            try
            {
                CheckpointManifest.Verify(path);
                if (failures.Count > 0)
                {
                    say($"--resume_from_checkpoint auto: resuming from {Path.GetFileName(path)}, the newest intact checkpoint");
                }
                return path;
            }
            catch (TornCheckpointException torn)
            {
                failures.Add(torn.Message);
                say($"--resume_from_checkpoint auto: skipping {Path.GetFileName(path)}: {torn.Message}");
            }
        }
        return failures.Count == 0
            ? null
            : throw new TornCheckpointException(
                $"--resume_from_checkpoint auto: none of the {failures.Count} checkpoint(s) in {OutputDir} is intact " +
                $"({string.Join("; ", failures)}); pass --overwrite_output_dir to start afresh");
    }

    /// <summary>
    /// What <c>--resume_from_checkpoint</c> names: a folder, or "true" for the one <c>latest</c> names (HF resumes
    /// from the newest checkpoint). The folder must pass <see cref="CheckpointManifest.Verify"/>.
    /// </summary>
    public string ResolveResume(string argument)
    {
        string path;
        if (string.Equals(argument, "true", StringComparison.OrdinalIgnoreCase))
        {
            var latest = Path.Combine(OutputDir, LatestFileName);
            if (!File.Exists(latest))
            {
                throw new FileNotFoundException(
                    $"--resume_from_checkpoint true: {latest} does not exist: no completed checkpoint in {OutputDir}", latest);
            }
            path = Path.Combine(OutputDir, File.ReadAllText(latest).Trim());
        }
        else
        {
            path = argument;
        }
        if (!Directory.Exists(path))
        {
            throw new DirectoryNotFoundException($"--resume_from_checkpoint: {path} is not a folder");
        }
        CheckpointManifest.Verify(path);
        return path;
    }
}
