using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Training;
using SharpSpeed.Training.Checkpoints;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Training;

/// <summary>
/// Whole single-process runs of the trainer on the bundled sample with a small model (2 layers, hidden 64, the
/// bundled tokenizer's vocabulary): accumulation, resume and learning checked on the weights it writes.
/// </summary>
public sealed class TrainerTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-trainer-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private TrainingArguments Args(string name, long maxSteps, int micro = 4, int accumulation = 1) => new()
    {
        ModelNameOrPath = SmallTrainingModel.Folder,
        OutputDir = Path.Combine(_root, name),
        MaxSteps = maxSteps,
        PerDeviceTrainBatchSize = micro,
        GradientAccumulationSteps = accumulation,
        LearningRate = 3e-3,
        LrSchedulerType = "constant",
        MaxSeqLength = 64,
        LoggingSteps = 1,
        SaveSteps = 0,
        ReportTo = "none",
        Seed = 11,
    };

    private static TrainingOutcome Train(TrainingArguments args) =>
        new Trainer(args, new HashSet<string>(), TextWriter.Null, interactive: false).Run();

    private static Dictionary<string, Tensor> Weights(string dir) => SmallTrainingModel.Weights(dir);

    [Fact]
    public void AccumulatedMicroBatchesGiveTheWeightsOfOneBigBatch()
    {
        var whole = Weights(Train(Args("whole", maxSteps: 3, micro: 4, accumulation: 1)).OutputDir);
        foreach (var (micro, accumulation) in new[] { (2, 2), (1, 4) })
        {
            var split = Weights(Train(Args($"micro{micro}", maxSteps: 3, micro, accumulation)).OutputDir);
            foreach (var (name, expected) in whole)
            {
                // Same tokens, different padding and summation order: float32 rounding only.
                var diff = (split[name] - expected).abs().max().item<float>();
                Assert.True(diff < 2e-5, $"{name}: max |diff| {diff} with micro {micro} x accumulation {accumulation}");
            }
        }
    }

    [Fact]
    public void ResumingFromACheckpointIsBitExact()
    {
        var straight = Weights(Train(Args("straight", maxSteps: 6)).OutputDir);

        var interrupted = Args("resumed", maxSteps: 3) with { SaveSteps = 3 };
        Train(interrupted);
        Assert.True(File.Exists(Path.Combine(interrupted.OutputDir, "checkpoint-3", CheckpointManifest.FileName)));
        var resumed = Weights(Train(interrupted with { MaxSteps = 6, ResumeFromCheckpoint = "true" }).OutputDir);

        foreach (var (name, expected) in straight)
        {
            Assert.True(expected.bytes.SequenceEqual(resumed[name].bytes), $"{name} differs after resume");
        }
        var state = TrainerState.Load(interrupted.OutputDir);
        Assert.Equal(6, state.GlobalStep);
    }

    [Fact]
    public void ATornCheckpointIsRefusedAndAFinishedRunIsNotOverwritten()
    {
        var args = Args("torn", maxSteps: 2) with { SaveSteps = 2 };
        Train(args);
        File.AppendAllText(Path.Combine(args.OutputDir, "checkpoint-2", "trainer_state.json"), " ");
        var torn = Assert.Throws<TornCheckpointException>(() => Train(args with { MaxSteps = 4, ResumeFromCheckpoint = "true" }));
        Assert.Contains("trainer_state.json", torn.Message);
        var occupied = Assert.Throws<InvalidOperationException>(() => Train(args));
        Assert.Contains("--overwrite_output_dir", occupied.Message);
    }

    [Fact]
    public void AutoResumeStartsAfreshWithoutACheckpointAndResumesFromOne()
    {
        // What launch's restarts pass: the failed attempt may or may not have saved a checkpoint.
        var unsaved = Args("auto-unsaved", maxSteps: 2);
        Train(unsaved);
        Train(unsaved with { ResumeFromCheckpoint = "auto" });
        Assert.Equal(2, SharpSpeed.Training.Reporting.MetricsLog.Read(Path.Combine(unsaved.OutputDir, "metrics.jsonl")).Count);

        var saved = Args("auto-saved", maxSteps: 2) with { SaveSteps = 2 };
        Train(saved);
        Train(saved with { MaxSteps = 3, ResumeFromCheckpoint = "auto" });
        Assert.Equal(3, TrainerState.Load(saved.OutputDir).GlobalStep);
        Assert.Equal(3, SharpSpeed.Training.Reporting.MetricsLog.Read(Path.Combine(saved.OutputDir, "metrics.jsonl")).Count);
    }

    [Fact]
    public void AnHfStyleAutoDeepSpeedConfigIsFilledFromTheArguments()
    {
        var config = Path.Combine(_root, "ds_auto.json");
        File.WriteAllText(config, """
            {
              "train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
              "gradient_clipping": "auto", "fp16": { "enabled": "auto" }, "bf16": { "enabled": "auto" },
              "optimizer": { "type": "AdamW", "params": { "lr": "auto", "betas": "auto", "eps": "auto", "weight_decay": "auto" } },
              "scheduler": { "type": "WarmupDecayLR",
                             "params": { "warmup_min_lr": "auto", "warmup_max_lr": "auto", "warmup_num_steps": "auto", "total_num_steps": "auto" } },
              "zero_optimization": { "stage": 2, "overlap_comm": true, "reduce_bucket_size": "auto", "allgather_bucket_size": 5e8 }
            }
            """);
        var args = Args("ds-auto", maxSteps: 6, micro: 2, accumulation: 2) with { Deepspeed = config, WarmupSteps = 1 };
        var outcome = Train(args);
        Assert.Equal(2, outcome.Summary.ZeroStage);
        Assert.Equal(2, outcome.Summary.GradientAccumulationSteps);
        var metrics = SharpSpeed.Training.Reporting.MetricsLog.Read(Path.Combine(args.OutputDir, "metrics.jsonl"));
        // WarmupDecayLR from "auto", in DeepSpeed's counting (warm-up of at least 2 iterations, iteration = step - 1):
        // steps 1-2 at warmup_min_lr 0, step 3 at --learning_rate, then linear decay to 0 at total_num_steps = 6.
        Assert.Equal(6, metrics.Count);
        Assert.Equal(0, metrics[0].LearningRate);
        Assert.Equal(args.LearningRate, metrics[2].LearningRate, 12);
        Assert.Equal(args.LearningRate * 2 / 4, metrics[5].LearningRate, 12);
    }

    [Fact]
    public void ConvertConsolidatesTheCheckpointIntoAnHfFolder()
    {
        var args = Args("convert", maxSteps: 2) with { SaveSteps = 2 };
        var final = Weights(Train(args).OutputDir);
        var output = Path.Combine(_root, "converted");
        CheckpointConsolidator.Consolidate(Path.Combine(args.OutputDir, "checkpoint-2"), output, ScalarType.BFloat16);
        var converted = Weights(output);
        Assert.Equal(final.Keys.Order(), converted.Keys.Order());
        foreach (var (name, expected) in final)
        {
            // fp32 training: the master weights are the model; bf16 output is their rounding.
            Assert.Equal(ScalarType.BFloat16, converted[name].dtype);
            Assert.True(expected.to(ScalarType.BFloat16).bytes.SequenceEqual(converted[name].bytes), name);
        }
        Assert.Equal("bfloat16", ModelConfig.LoadFromDirectory(output).TorchDtype);
        Assert.True(File.Exists(Path.Combine(output, "tokenizer.json")));
    }

    [Fact]
    public void LossFallsOnTheBundledSample()
    {
        var outcome = Train(Args("learns", maxSteps: 40, micro: 8));
        var metrics = SharpSpeed.Training.Reporting.MetricsLog.Read(Path.Combine(outcome.OutputDir, "metrics.jsonl"));
        Assert.Equal(40, metrics.Count);
        var first = metrics.Take(3).Average(m => m.Loss);
        var last = metrics.TakeLast(3).Average(m => m.Loss);
        // From ~ln(6000) = 8.7 (uniform over the vocabulary) the model first learns which tokens occur at all.
        Assert.True(last < first - 2.0, $"loss {first:F3} -> {last:F3}");
        Assert.True(File.Exists(Path.Combine(outcome.OutputDir, "report.md")));
        Assert.True(File.Exists(Path.Combine(outcome.OutputDir, "loss_curve.png")));
        Assert.NotNull(outcome.Summary.EvalLoss);
    }
}
