using SharpSpeed.Engine.Config;
using SharpSpeed.Training;

namespace SharpSpeed.Tests.Training;

/// <summary>HF flags and a DeepSpeed file reconciled before and after the run's step count is known.</summary>
public sealed class RunSettingsTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-settings-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void AStepCountInTheFileIsCheckedOnlyOnceTheRunsTotalIsKnown()
    {
        var config = Path.Combine(_root, "ds.json");
        File.WriteAllText(config, """
            { "scheduler": { "type": "WarmupDecayLR", "params": { "warmup_num_steps": 10, "total_num_steps": 1000 } },
              "steps_per_print": 25 }
            """);
        var args = new TrainingArguments { Deepspeed = config, MaxSteps = 1000, WarmupRatio = 0.01, PerDeviceTrainBatchSize = 2 };
        HashSet<string> given = ["deepspeed", "max_steps", "warmup_ratio", "per_device_train_batch_size"];

        var file = DeepSpeedFile.Read(config);
        // The run reads the file once: both resolves see the same settings whatever happens to the file meanwhile.
        File.WriteAllText(config, "{ not json");

        // Before the data is known, the total is a placeholder and must not be compared with --max_steps.
        var provisional = RunSettings.Resolve(args, file, 1, given, totalSteps: null, hiddenSize: 64);
        Assert.Equal(2, provisional.MicroBatchSize);
        Assert.Equal(25, provisional.LoggingSteps);

        Assert.Equal(1000, RunSettings.Resolve(args, file, 1, given, totalSteps: 1000, hiddenSize: 64).DeepSpeed!.Scheduler!.TotalNumSteps);
        var e = Assert.Throws<DeepSpeedConfigException>(() => RunSettings.Resolve(args, file, 1, given, totalSteps: 500, hiddenSize: 64));
        Assert.Contains("ds scheduler.params.total_num_steps=1000 vs hf num_training_steps (calculated)=500", e.Message);

        var explicitLogging = RunSettings.Resolve(args with { LoggingSteps = 7 }, file, 1, new HashSet<string>(given) { "logging_steps" }, 1000, 64);
        Assert.Equal(7, explicitLogging.LoggingSteps);
    }
}
