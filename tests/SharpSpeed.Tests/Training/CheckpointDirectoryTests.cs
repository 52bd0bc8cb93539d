using SharpSpeed.Training;
using SharpSpeed.Training.Checkpoints;

namespace SharpSpeed.Tests.Training;

public sealed class CheckpointDirectoryTests : IDisposable
{
    private readonly string _output = Directory.CreateTempSubdirectory("sharpspeed-ckpt-").FullName;

    public void Dispose() => Directory.Delete(_output, recursive: true);

    private static string Save(CheckpointDirectory checkpoints, long step, string payload = "weights")
    {
        var temporary = checkpoints.TemporaryPathFor(step);
        Directory.CreateDirectory(Path.Combine(temporary, "global_step" + step));
        File.WriteAllText(Path.Combine(temporary, "model.safetensors"), payload);
        File.WriteAllText(Path.Combine(temporary, "global_step" + step, "rank_0.safetensors"), payload + step);
        CheckpointManifest.Write(temporary, step, worldSize: 1, zeroStage: 0);
        return checkpoints.Publish(step);
    }

    [Fact]
    public void PublishedCheckpointsVerifyAndLatestNamesTheNewest()
    {
        var checkpoints = new CheckpointDirectory(_output);
        Save(checkpoints, 10);
        var newest = Save(checkpoints, 20);
        Assert.Equal(new long[] { 10, 20 }, checkpoints.List().Select(c => c.Step));
        Assert.Equal("checkpoint-20", File.ReadAllText(Path.Combine(_output, "latest")).Trim());
        Assert.Equal(newest, checkpoints.ResolveResume("true"));
        Assert.Equal(20, CheckpointManifest.Verify(newest).GlobalStep);
    }

    [Fact]
    public void RotationKeepsTheNewestLimit()
    {
        var checkpoints = new CheckpointDirectory(_output);
        foreach (var step in new long[] { 5, 10, 15, 20 })
        {
            Save(checkpoints, step);
        }
        var removed = checkpoints.Rotate(2);
        Assert.Equal(2, removed.Count);
        Assert.Equal(new long[] { 15, 20 }, checkpoints.List().Select(c => c.Step));
    }

    [Fact]
    public void AlteredTruncatedOrUnfinishedCheckpointsAreTorn()
    {
        var checkpoints = new CheckpointDirectory(_output);
        var path = Save(checkpoints, 10);
        File.AppendAllText(Path.Combine(path, "model.safetensors"), "x");
        var grown = Assert.Throws<TornCheckpointException>(() => checkpoints.ResolveResume(path));
        Assert.Contains("model.safetensors", grown.Message);

        path = Save(checkpoints, 20);
        File.Delete(Path.Combine(path, "global_step20", "rank_0.safetensors"));
        Assert.Contains("missing", Assert.Throws<TornCheckpointException>(() => checkpoints.ResolveResume("true")).Message);

        // A save that died before its manifest: never listed, never loadable, cleared on the next run.
        var unfinished = checkpoints.TemporaryPathFor(30);
        Directory.CreateDirectory(unfinished);
        File.WriteAllText(Path.Combine(unfinished, "model.safetensors"), "half");
        Assert.Throws<TornCheckpointException>(() => CheckpointManifest.Verify(unfinished));
        Assert.DoesNotContain(checkpoints.List(), c => c.Step == 30);
        checkpoints.ClearTemporary();
        Assert.False(Directory.Exists(unfinished));
    }

    [Fact]
    public void ResumeTrueWithoutCheckpointsSaysWhere()
    {
        var error = Assert.Throws<FileNotFoundException>(() => new CheckpointDirectory(_output).ResolveResume("true"));
        Assert.Contains(_output, error.Message);
    }

    [Fact]
    public void TrainerStateRoundTripsInHfShape()
    {
        var state = new TrainerState
        {
            GlobalStep = 12, Epoch = 1.5, MaxSteps = 100, NumTrainEpochs = 3, LoggingSteps = 4, SaveSteps = 6,
            TrainBatchSize = 8, DataEpoch = 1, DataStepInEpoch = 4, NumInputTokensSeen = 9000,
        };
        state.LogTrain(new StepMetrics(4, 0.5, 2.5, 1e-4, 0.7, 100));
        state.LogEval(12, 1.5, Math.Log(5), 0.3);
        state.Save(_output);
        var text = File.ReadAllText(Path.Combine(_output, TrainerState.FileName));
        Assert.Contains("\"global_step\": 12", text);
        Assert.Contains("\"learning_rate\": 0.0001", text);
        var loaded = TrainerState.Load(_output);
        Assert.Equal(12, loaded.GlobalStep);
        Assert.Equal(4, loaded.DataStepInEpoch);
        Assert.Equal(2, loaded.LogHistory.Count);
        Assert.Equal(5, Math.Exp(loaded.LogHistory[1]["eval_loss"]!.GetValue<double>()), 9);
    }
}
