using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Training;
using SharpSpeed.Training.DeepSpeedIntegration;

namespace SharpSpeed.Tests.Training.DeepSpeedIntegration;

/// <summary>HF's Trainer integration: "auto" filled from the training arguments before the engine's parser reads the file.</summary>
public sealed class HfDeepSpeedConfigTests
{
    private static DeepSpeedConfig Parse(string json, int world, HfTrainingValues trainer) =>
        HfDeepSpeedConfig.Parse(DeepSpeedFile.FromJson("ds_config.json", json), world, trainer);

    private static string Error(string json, int world, HfTrainingValues trainer) =>
        Assert.Throws<DeepSpeedConfigException>(() => Parse(json, world, trainer)).Message;

    private const string HfAutoConfig = """
        {
          "fp16": { "enabled": "auto", "loss_scale": 0, "loss_scale_window": 1000, "initial_scale_power": 16,
                    "hysteresis": 2, "min_loss_scale": 1 },
          "bf16": { "enabled": "auto" },
          "optimizer": { "type": "AdamW",
                         "params": { "lr": "auto", "betas": "auto", "eps": "auto", "weight_decay": "auto" } },
          "scheduler": { "type": "WarmupDecayLR",
                         "params": { "warmup_min_lr": "auto", "warmup_max_lr": "auto", "warmup_num_steps": "auto",
                                     "total_num_steps": "auto" } },
          "zero_optimization": { "stage": 2, "offload_optimizer": { "device": "none", "pin_memory": true },
                                 "allgather_partitions": true, "allgather_bucket_size": 2e8, "overlap_comm": true,
                                 "reduce_scatter": true, "reduce_bucket_size": "auto", "contiguous_gradients": true },
          "gradient_accumulation_steps": "auto",
          "gradient_clipping": "auto",
          "steps_per_print": 2000,
          "train_batch_size": "auto",
          "train_micro_batch_size_per_gpu": "auto",
          "wall_clock_breakdown": false
        }
        """;

    private static readonly HfTrainingValues Trainer = new(new TrainingArguments
    {
        LearningRate = 3e-4, AdamBeta1 = 0.9, AdamBeta2 = 0.95, AdamEpsilon = 1e-6, WeightDecay = 0.1,
        PerDeviceTrainBatchSize = 2, GradientAccumulationSteps = 4, MaxGradNorm = 0.5, Bf16 = true, WarmupRatio = 0.1,
    })
    {
        TotalTrainingSteps = 1001, HiddenSize = 128,
    };

    [Fact]
    public void HfAutoValuesAreFilledFromTheTrainingArguments()
    {
        var config = Parse(HfAutoConfig, 3, Trainer);

        Assert.Equal((24, 2, 4), (config.TrainBatchSize, config.TrainMicroBatchSizePerGpu, config.GradientAccumulationSteps));
        Assert.Equal(0.5, config.GradientClipping);
        Assert.Equal(TrainingPrecision.Bf16, config.Precision);
        Assert.False(config.Fp16.Enabled);
        Assert.Equal(new OptimizerConfig("AdamW", 3e-4, 0.9, 0.95, 1e-6, 0.1, true, true, false), config.Optimizer);
        // warmup = ceil(1001 * 0.1) = 101, HF's get_warmup_steps.
        Assert.Equal(new SchedulerConfig(DeepSpeedSchedulerType.WarmupDecayLR, 0, 3e-4, 101, WarmupShape.Log, 1001, 0, 0),
            config.Scheduler);
        Assert.Equal(128L * 128, config.Zero.ReduceBucketSize);
        Assert.Equal(200_000_000, config.Zero.AllgatherBucketSize);
        Assert.Equal(2000, config.StepsPerPrint);
    }

    [Fact]
    public void MismatchWithAGivenArgumentIsAnErrorButTheFileWinsOverDefaults()
    {
        const string json = """{ "train_batch_size": 8, "optimizer": { "type": "AdamW", "params": { "lr": 3e-4 } } }""";
        var strict = new HfTrainingValues(new TrainingArguments { LearningRate = 1e-4, PerDeviceTrainBatchSize = 8 });
        Assert.Equal("ds_config.json: values that mismatch the training arguments: ds optimizer.params.lr=0.0003 vs hf " +
                     "learning_rate=0.0001 (the easiest fix is to set these DeepSpeed values to \"auto\")",
            Error(json, 1, strict));

        var defaults = strict with { ExplicitArguments = new HashSet<string>() };
        Assert.Equal(3e-4, Parse(json, 1, defaults).Optimizer!.LearningRate);
    }

    [Fact]
    public void AutoThatHfDoesNotFillReachesTheEngineWhichRefusesIt()
    {
        const string json = """{ "train_batch_size": 24, "zero_optimization": { "stage": 3, "stage3_max_live_parameters": "auto" } }""";
        Assert.Equal("ds_config.json: \"zero_optimization.stage3_max_live_parameters\" is \"auto\", and nothing fills it here " +
                     "(a trainer fills HF's \"auto\" keys from its arguments); give a value",
            Error(json, 3, Trainer));
    }

    [Fact]
    public void AutoWhoseValueTheRunCannotKnowNamesWhatIsMissing()
    {
        const string json = """{ "zero_optimization": { "stage": 2, "reduce_bucket_size": "auto" } }""";
        Assert.Equal("ds_config.json: \"zero_optimization.reduce_bucket_size\" is \"auto\", which HF fills with hidden_size^2, " +
                     "but the model's hidden size was not given",
            Error(json, 3, Trainer with { HiddenSize = null }));
    }

    [Fact]
    public void BatchKeysTheFileLeavesOutComeFromTheFlagsWithOneNote()
    {
        var config = Parse("""{ "zero_optimization": { "stage": 2 } }""", 3, Trainer);
        Assert.Equal((24, 2, 4), (config.TrainBatchSize, config.TrainMicroBatchSizePerGpu, config.GradientAccumulationSteps));
        Assert.Equal("ds_config.json: batch keys not in the file: train_micro_batch_size_per_gpu=2 from --per_device_train_batch_size, " +
                     "gradient_accumulation_steps=4 from --gradient_accumulation_steps; train_batch_size = 2 x 4 x 3 rank(s) = 24",
            config.Notes[0]);
    }
}
