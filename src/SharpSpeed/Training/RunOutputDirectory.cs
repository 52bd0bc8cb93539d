using System.Text.Json;
using SharpSpeed.Training.Checkpoints;

namespace SharpSpeed.Training;

/// <summary>
/// A run's output_dir in two steps, so that nothing is destroyed before the run is known to be able to start:
/// <see cref="Check"/> (before the model, tokenizer, data and config load) only looks and refuses what cannot work;
/// <see cref="Prepare"/> (as training starts) removes the replaced run's checkpoints or, on a resume, the metrics
/// rows logged after the checkpoint. Rank 0 does both.
/// </summary>
public sealed class RunOutputDirectory
{
    private readonly CheckpointDirectory _checkpoints;
    private readonly bool _replacePrevious;

    private RunOutputDirectory(CheckpointDirectory checkpoints, bool replacePrevious)
    {
        _checkpoints = checkpoints;
        _replacePrevious = replacePrevious;
    }

    public string MetricsPath => Path.Combine(_checkpoints.OutputDir, TrainingLoop.MetricsFileName);

    /// <summary>
    /// Refuses an output_dir that is a file, cannot be written, or holds a run that this one would replace without
    /// --overwrite_output_dir (<paramref name="replaceUncheckpointed"/>: a launch restart may redo a run that saved
    /// no checkpoint). Changes nothing on disk.
    /// </summary>
    public static RunOutputDirectory Check(CheckpointDirectory checkpoints, bool resuming, bool overwrite, bool replaceUncheckpointed)
    {
        ArgumentNullException.ThrowIfNull(checkpoints);
        var outputDir = checkpoints.OutputDir;
        if (File.Exists(outputDir))
        {
            throw new IOException($"--output_dir {outputDir} is a file, not a folder: name a folder");
        }
        EnsureWritable(outputDir);
        if (resuming)
        {
            return new RunOutputDirectory(checkpoints, replacePrevious: false);
        }
        var previous = checkpoints.List();
        var metrics = Path.Combine(outputDir, TrainingLoop.MetricsFileName);
        if ((previous.Count > 0 || File.Exists(metrics)) && !overwrite && !(replaceUncheckpointed && previous.Count == 0))
        {
            throw new InvalidOperationException(
                $"{outputDir} already holds a run ({(previous.Count > 0 ? Path.GetFileName(previous[^1].Path) : TrainingLoop.MetricsFileName)}): " +
                "pass --resume_from_checkpoint true to continue it, --overwrite_output_dir to replace it, or another --output_dir");
        }
        return new RunOutputDirectory(checkpoints, replacePrevious: true);
    }

    /// <summary>
    /// Called once everything has loaded: clears interrupted saves and, for a fresh run, the replaced run's
    /// checkpoints; for a run resumed at <paramref name="resumedStep"/>, drops the metrics rows past that step
    /// (the interrupted attempt logged them; the resumed run logs them again).
    /// </summary>
    public void Prepare(long resumedStep)
    {
        Directory.CreateDirectory(_checkpoints.OutputDir);
        _checkpoints.ClearTemporary();
        if (_replacePrevious)
        {
            foreach (var (_, path) in _checkpoints.List())
            {
                Directory.Delete(path, recursive: true);
            }
            File.Delete(Path.Combine(_checkpoints.OutputDir, CheckpointDirectory.LatestFileName));
            return;
        }
        TrimMetrics(MetricsPath, resumedStep);
    }

    /// <summary>Keeps the rows of <paramref name="path"/> up to <paramref name="lastStep"/>, written atomically.</summary>
    public static void TrimMetrics(string path, long lastStep)
    {
        if (!File.Exists(path))
        {
            return;
        }
        var lines = File.ReadAllLines(path);
        var kept = lines.Where(line => StepOf(line) is not { } step || step <= lastStep).ToList();
        if (kept.Count == lines.Length)
        {
            return;
        }
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, kept);
        File.Move(temporary, path, overwrite: true);
    }

    private static long? StepOf(string line)
    {
        if (string.IsNullOrWhiteSpace(line))
        {
            return null;
        }
        try
        {
            using var document = JsonDocument.Parse(line);
            return document.RootElement.ValueKind == JsonValueKind.Object
                   && document.RootElement.TryGetProperty("step", out var step) && step.TryGetInt64(out var value)
                ? value
                : null;
        }
        catch (JsonException)
        {
            // A row torn by a crash mid-write carries no step; it goes with the rows after the checkpoint.
            return long.MaxValue;
        }
    }

    /// <summary>Probes the folder (or, if it does not exist yet, the nearest existing parent) with a file of its own.</summary>
    private static void EnsureWritable(string outputDir)
    {
        var existing = Path.GetFullPath(outputDir);
        while (!Directory.Exists(existing))
        {
            if (File.Exists(existing))
            {
                throw new IOException($"--output_dir {outputDir}: {existing} is a file, so the folder cannot be created");
            }
            existing = Path.GetDirectoryName(existing)
                       ?? throw new IOException($"--output_dir {outputDir}: no existing parent folder");
        }
        var probe = Path.Combine(existing, $".sharpspeed-write-probe-{Environment.ProcessId}");
        try
        {
            using (File.Create(probe, 1, FileOptions.DeleteOnClose))
            {
            }
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new UnauthorizedAccessException($"--output_dir {outputDir}: cannot write in {existing} ({e.Message})", e);
        }
    }
}
