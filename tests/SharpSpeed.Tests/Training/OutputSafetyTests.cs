using SharpSpeed.Training;
using SharpSpeed.Training.Checkpoints;
using SharpSpeed.Training.Reporting;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Training;

/// <summary>
/// Nothing is destroyed before a run is known to start (--overwrite_output_dir, init-model), and resuming skips torn
/// checkpoints without duplicating metrics rows: whole single-process runs of the small model.
/// </summary>
public sealed class OutputSafetyTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-safety-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TrainingArguments Args(string name, long maxSteps) => new()
    {
        ModelNameOrPath = SmallTrainingModel.Folder,
        OutputDir = Path.Combine(_root, name),
        MaxSteps = maxSteps,
        PerDeviceTrainBatchSize = 4,
        LearningRate = 3e-3,
        LrSchedulerType = "constant",
        MaxSeqLength = 64,
        LoggingSteps = 1,
        SaveSteps = 1,
        ReportTo = "none",
        Seed = 11,
    };

    private static TrainingOutcome Train(TrainingArguments args, TextWriter? log = null) =>
        new Trainer(args, new HashSet<string>(), log ?? TextWriter.Null, interactive: false).Run();

    private static string[] Snapshot(string dir) =>
        [.. Directory.EnumerateFileSystemEntries(dir, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];

    [Fact]
    public void OverwriteWithABadModelPathOrDatasetDeletesNothing()
    {
        var args = Args("kept", maxSteps: 2);
        Train(args);
        var before = Snapshot(args.OutputDir);
        Assert.Contains(before, p => p.EndsWith("checkpoint-2", StringComparison.Ordinal));

        var badModel = args with { OverwriteOutputDir = true, ModelNameOrPath = Path.Combine(_root, "no-such-model") };
        Assert.ThrowsAny<Exception>(() => Train(badModel));
        Assert.Equal(before, Snapshot(args.OutputDir));

        var badData = args with { OverwriteOutputDir = true, Dataset = Path.Combine(_root, "no-such-data.jsonl") };
        Assert.ThrowsAny<Exception>(() => Train(badData));
        Assert.Equal(before, Snapshot(args.OutputDir));

        // With valid inputs the overwrite happens, as training starts: the old checkpoints are gone, the new ones written.
        Train(args with { OverwriteOutputDir = true, MaxSteps = 1 });
        Assert.Equal([1L], new CheckpointDirectory(args.OutputDir).List().Select(c => c.Step));
        Assert.Single(MetricsLog.Read(Path.Combine(args.OutputDir, "metrics.jsonl")));
    }

    [Fact]
    public void AnOutputDirThatIsAFileIsOneLine()
    {
        var file = Path.Combine(_root, "a-file");
        File.WriteAllText(file, "not a folder");
        var error = Assert.Throws<IOException>(() => Train(Args("x", 1) with { OutputDir = file }));
        Assert.Contains(file, error.Message);
        Assert.Contains("is a file", error.Message);
        var nested = Assert.Throws<IOException>(() => Train(Args("x", 1) with { OutputDir = Path.Combine(file, "sub") }));
        Assert.Contains("is a file", nested.Message);
        Assert.Equal("not a folder", File.ReadAllText(file));
    }

    [Fact]
    public void AutoResumeSkipsATornNewestCheckpointAndMetricsHaveNoDuplicateSteps()
    {
        var args = Args("auto-torn", maxSteps: 3);
        Train(args);
        // The newest checkpoint is torn (a byte flipped after it was published), as a crash mid-copy would leave it.
        var shard = Path.Combine(args.OutputDir, "checkpoint-3", "model.safetensors");
        var bytes = File.ReadAllBytes(shard);
        bytes[^1] ^= 0xff;
        File.WriteAllBytes(shard, bytes);

        var log = new StringWriter();
        Train(args with { MaxSteps = 4, ResumeFromCheckpoint = "auto" }, log);
        Assert.Contains("skipping checkpoint-3", log.ToString());
        Assert.Contains("model.safetensors", log.ToString());
        Assert.Contains("resumed from " + Path.Combine(args.OutputDir, "checkpoint-2"), log.ToString());
        var steps = MetricsLog.Read(Path.Combine(args.OutputDir, "metrics.jsonl")).Select(m => m.Step).ToList();
        Assert.Equal([1L, 2, 3, 4], steps);
        Assert.Equal(4, TrainerState.Load(args.OutputDir).GlobalStep);
    }

    [Fact]
    public void ResumeTrueRefusesATornCheckpointNamingFileAndCheck()
    {
        var args = Args("true-torn", maxSteps: 2);
        Train(args);
        File.Delete(Path.Combine(args.OutputDir, "checkpoint-2", "trainer_state.json"));
        var torn = Assert.Throws<TornCheckpointException>(() => Train(args with { MaxSteps = 3, ResumeFromCheckpoint = "true" }));
        Assert.Contains("checkpoint-2", torn.Message);
        Assert.Contains("'trainer_state.json' is missing", torn.Message);
    }

    [Fact]
    public void AutoWithOnlyTornCheckpointsRefusesInsteadOfStartingOver()
    {
        var args = Args("all-torn", maxSteps: 1);
        Train(args);
        File.Delete(Path.Combine(args.OutputDir, "checkpoint-1", "checkpoint.json"));
        var refused = Assert.Throws<TornCheckpointException>(() => Train(args with { ResumeFromCheckpoint = "auto" }));
        Assert.Contains("none of the 1 checkpoint(s)", refused.Message);
        Assert.Contains("--overwrite_output_dir", refused.Message);
    }

    [Fact]
    public void MetricsRowsPastTheResumedStepAreDropped()
    {
        var path = Path.Combine(_root, "metrics.jsonl");
        File.WriteAllLines(path, ["{\"step\":1}", "{\"step\":2}", "{\"step\":3}", "{\"ste"]);
        RunOutputDirectory.TrimMetrics(path, lastStep: 2);
        Assert.Equal(["{\"step\":1}", "{\"step\":2}"], File.ReadAllLines(path));
    }

    [Fact]
    public void InitModelRefusesANonEmptyFolderUnlessOverwrite()
    {
        var folder = Path.Combine(_root, "trained");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "model.safetensors"), "trained weights");
        var (code, _, error) = Run("init-model", "--config", "tiny", "--output", folder);
        Assert.Equal(2, code);
        Assert.Contains("not empty", error);
        Assert.Contains("--overwrite", error);
        Assert.Equal("trained weights", File.ReadAllText(Path.Combine(folder, "model.safetensors")));

        (code, _, error) = Run("init-model", "--config", "tiny", "--output", folder, "--overwrite");
        Assert.True(code == 0, error);
        Assert.NotEqual("trained weights", File.ReadAllText(Path.Combine(folder, "model.safetensors")));
    }
}
