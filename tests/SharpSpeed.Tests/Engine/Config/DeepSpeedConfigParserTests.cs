using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Tests.Engine.Config;

public sealed class DeepSpeedConfigParserTests
{
    private static DeepSpeedConfig Parse(string json, int world = 1, HfTrainingValues? trainer = null) =>
        DeepSpeedConfigParser.Parse(json, "ds_config.json", world, trainer);

    private static string Error(string json, int world = 1, HfTrainingValues? trainer = null) =>
        Assert.Throws<DeepSpeedConfigException>(() => Parse(json, world, trainer)).Message;

    [Fact]
    public void SeedConfigGivesTheSeedValues()
    {
        var config = DeepSpeedConfigParser.Load(RepositoryFiles.Path("examples/ds_config_zero2.json"), worldSize: 3);

        Assert.Equal((24, 2, 4), (config.TrainBatchSize, config.TrainMicroBatchSizePerGpu, config.GradientAccumulationSteps));
        Assert.Equal(TrainingPrecision.Fp16, config.Precision);
        Assert.True(config.Fp16.DynamicLossScale);
        Assert.Equal(65536.0, config.Fp16.InitialDynamicScale);
        Assert.Equal((1000, 2, 1.0), (config.Fp16.LossScaleWindow, config.Fp16.Hysteresis, config.Fp16.MinLossScale));
        Assert.Equal(new ZeroConfig(Stage: 2, AllgatherBucketSize: 200_000_000, OverlapComm: true, ReduceScatter: true,
            ReduceBucketSize: 200_000_000, ContiguousGradients: true), config.Zero);
        Assert.Equal(new OptimizerConfig("AdamW", 3e-4, 0.9, 0.999, 1e-8, 0.01, DecoupledWeightDecay: true,
            BiasCorrection: true, TorchAdam: false), config.Optimizer);
        Assert.Equal(new SchedulerConfig(DeepSpeedSchedulerType.WarmupLR, 0, 3e-4, 500, WarmupShape.Log, null, 0, 0),
            config.Scheduler);
        Assert.Equal(1.0, config.GradientClipping);
        Assert.Equal(10, config.StepsPerPrint);
    }

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

    private static readonly HfTrainingValues Trainer = new()
    {
        LearningRate = 3e-4, AdamBeta1 = 0.9, AdamBeta2 = 0.95, AdamEpsilon = 1e-6, WeightDecay = 0.1,
        PerDeviceTrainBatchSize = 2, GradientAccumulationSteps = 4, MaxGradNorm = 0.5, Bf16 = true,
        WarmupRatio = 0.1, TotalTrainingSteps = 1001, HiddenSize = 128,
    };

    [Fact]
    public void HfAutoValuesAreFilledFromTheTrainingArguments()
    {
        var config = Parse(HfAutoConfig, world: 3, Trainer);

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
    public void AutoWithoutTrainingArgumentsIsAnErrorNamingTheKey()
    {
        Assert.Equal("ds_config.json: \"train_micro_batch_size_per_gpu\" is \"auto\", but no training arguments were given to fill it",
            Error("""{ "train_micro_batch_size_per_gpu": "auto" }"""));
    }

    [Theory]
    [InlineData("""{ "train_batch_size": 24, "train_micro_batch_size_per_gpu": 2 }""", 3, 24, 2, 4)]
    [InlineData("""{ "train_batch_size": 24, "gradient_accumulation_steps": 4 }""", 3, 24, 2, 4)]
    [InlineData("""{ "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 4 }""", 3, 24, 2, 4)]
    [InlineData("""{ "train_batch_size": 12 }""", 3, 12, 4, 1)]
    [InlineData("""{ "train_micro_batch_size_per_gpu": 5 }""", 2, 10, 5, 1)]
    [InlineData("""{ "train_batch_size": 8, "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 4 }""", 1, 8, 2, 4)]
    public void BatchSizeRuleDerivesTheMissingValue(string json, int world, int train, int micro, int accumulation)
    {
        var config = Parse(json, world);
        Assert.Equal((train, micro, accumulation),
            (config.TrainBatchSize, config.TrainMicroBatchSizePerGpu, config.GradientAccumulationSteps));
    }

    [Fact]
    public void InconsistentBatchSizesAreRefused()
    {
        Assert.Equal("ds_config.json: train_batch_size is not equal to micro_batch_per_gpu * gradient_acc_step * world_size: 32 != 2 * 4 * 3",
            Error("""{ "train_batch_size": 32, "train_micro_batch_size_per_gpu": 2, "gradient_accumulation_steps": 4 }""", 3));
        // 10 / 2 / 3 = 1 by DeepSpeed's integer division, and 2 * 1 * 3 != 10.
        Assert.Contains("10 != 2 * 1 * 3", Error("""{ "train_batch_size": 10, "train_micro_batch_size_per_gpu": 2 }""", 3));
        Assert.Contains("either train_batch_size or train_micro_batch_size_per_gpu",
            Error("""{ "gradient_accumulation_steps": 4 }"""));
    }

    [Theory]
    [InlineData("""{ "train_batch_size": 8, "foo": 1 }""", "foo")]
    [InlineData("""{ "train_batch_size": 8, "zero_optimization": { "stage": 2, "foo": true } }""", "zero_optimization.foo")]
    [InlineData("""{ "train_batch_size": 8, "optimizer": { "type": "AdamW", "params": { "lr": 1e-3, "foo": 1 } } }""", "optimizer.params.foo")]
    [InlineData("""{ "train_batch_size": 8, "fp16": { "enabled": true, "foo": 1 } }""", "fp16.foo")]
    [InlineData("""{ "train_batch_size": 8, "scheduler": { "type": "WarmupLR", "params": { "total_num_steps": 9 } } }""", "scheduler.params.total_num_steps")]
    public void UnknownKeysAreErrorsNamingTheKeyPath(string json, string keyPath)
    {
        Assert.Equal($"ds_config.json: unknown key \"{keyPath}\"", Error(json));
    }

    [Theory]
    [InlineData("""{ "zero_optimization": { "stage": 3, "offload_param": { "device": "nvme", "nvme_path": "/nvme" } } }""", "zero_optimization.offload_param.device")]
    [InlineData("""{ "zero_optimization": { "stage": 1, "cpu_offload": true } }""", "zero_optimization.cpu_offload")]
    [InlineData("""{ "optimizer": { "type": "Lamb" } }""", "optimizer.type")]
    [InlineData("""{ "scheduler": { "type": "OneCycle" } }""", "scheduler.type")]
    [InlineData("""{ "tensorboard": { "enabled": true, "output_path": "tb" } }""", "tensorboard")]
    [InlineData("""{ "fp16": { "enabled": true, "fp16_master_weights_and_grads": true } }""", "fp16.fp16_master_weights_and_grads")]
    [InlineData("""{ "communication_data_type": "fp32" }""", "communication_data_type")]
    public void KnownButNotImplementedKeysSaySo(string json, string keyPath)
    {
        var withBatch = json.Insert(1, " \"train_batch_size\": 8,");
        var message = Error(withBatch);
        Assert.StartsWith($"ds_config.json: \"{keyPath}\" is a DeepSpeed setting SharpSpeed knows but does not implement yet", message);
    }

    [Fact]
    public void StageThreeWithCpuOffloadAsHfWritesIt()
    {
        var config = Parse("""
            { "train_batch_size": 8,
              "zero_optimization": { "stage": 3, "offload_optimizer": { "device": "cpu", "pin_memory": true },
                                     "offload_param": { "device": "cpu", "pin_memory": false },
                                     "reduce_bucket_size": "auto", "stage3_prefetch_bucket_size": "auto",
                                     "stage3_param_persistence_threshold": "auto", "stage3_max_live_parameters": 1e9,
                                     "stage3_max_reuse_distance": 5e8, "stage3_gather_16bit_weights_on_model_save": true } }
            """, trainer: Trainer);
        Assert.Equal(3, config.Zero.Stage);
        Assert.True(config.Zero.OverlapComm); // DeepSpeed's stage-3 default
        Assert.Equal(new SharpSpeed.Engine.Placement.HostOffload(PinMemory: true), config.Zero.OffloadOptimizer);
        Assert.Equal(new SharpSpeed.Engine.Placement.HostOffload(PinMemory: false), config.Zero.OffloadParam);
        // HF's integration: reduce_bucket_size hidden^2, prefetch 0.9 hidden^2, persistence 10 hidden (hidden 128).
        Assert.Equal(128 * 128, config.Zero.ReduceBucketSize);
        Assert.Equal(new SharpSpeed.Engine.Zero.Stage3Options
        {
            PrefetchBucketSize = 14745, ParamPersistenceThreshold = 1280, MaxLiveParameters = 1_000_000_000,
            MaxReuseDistance = 500_000_000, GatherWeightsOnModelSave = true,
        }, config.Zero.Stage3);
    }

    [Theory]
    [InlineData("""{ "zero_optimization": { "stage": 2, "offload_param": { "device": "cpu" } } }""", "\"zero_optimization.offload_param\" needs stage 3")]
    [InlineData("""{ "zero_optimization": { "stage": 0, "offload_optimizer": { "device": "cpu" } } }""", "\"zero_optimization.offload_optimizer\" needs stage 1, 2 or 3")]
    [InlineData("""{ "zero_optimization": { "stage": 3, "offload_optimizer": { "device": "gpu" } } }""", "\"zero_optimization.offload_optimizer.device\" must be")]
    public void OffloadWhereItCannotActIsRefusedNamingTheKey(string json, string expected)
    {
        Assert.Contains(expected, Error(json.Insert(1, " \"train_batch_size\": 8,")), StringComparison.Ordinal);
    }

    [Fact]
    public void DisabledOptionalSectionsAreAccepted()
    {
        var config = Parse("""
            { "train_batch_size": 8, "tensorboard": { "enabled": false, "output_path": "tb" }, "wandb": {},
              "zero_optimization": { "stage": 1, "offload_optimizer": { "device": "none" }, "stage3_max_live_parameters": 1e9 } }
            """);
        Assert.Equal(1, config.Zero.Stage);
    }

    [Fact]
    public void MismatchWithAGivenArgumentIsAnErrorButTheFileWinsOverDefaults()
    {
        const string json = """{ "train_batch_size": 8, "optimizer": { "type": "AdamW", "params": { "lr": 3e-4 } } }""";
        var strict = new HfTrainingValues { LearningRate = 1e-4, PerDeviceTrainBatchSize = 8 };
        Assert.Equal("ds_config.json: values that mismatch the training arguments: ds optimizer.params.lr=0.0003 vs hf " +
                     "learning_rate=0.0001 (the easiest fix is to set these DeepSpeed values to \"auto\")",
            Error(json, trainer: strict));

        var defaults = strict with { ExplicitArguments = new HashSet<string>() };
        Assert.Equal(3e-4, Parse(json, trainer: defaults).Optimizer!.LearningRate);
    }

    [Fact]
    public void AdamFollowsDeepSpeedsWeightDecayModes()
    {
        var l2 = Parse("""{ "train_batch_size": 1, "optimizer": { "type": "Adam", "params": { "adam_w_mode": false, "weight_decay": 0.1 } } }""");
        Assert.False(l2.Optimizer!.DecoupledWeightDecay);
        var adam = Parse("""{ "train_batch_size": 1, "optimizer": { "type": "adam" } }""");
        Assert.True(adam.Optimizer!.DecoupledWeightDecay);
        Assert.Equal(0.0, adam.Optimizer.WeightDecay);
        var torchAdamW = Parse("""{ "train_batch_size": 1, "optimizer": { "type": "AdamW", "params": { "torch_adam": true } } }""");
        Assert.Equal(0.01, torchAdamW.Optimizer!.WeightDecay);
    }

    [Fact]
    public void MalformedInputIsNamed()
    {
        Assert.Equal("ds_config.json: \"train_batch_size\" appears twice", Error("""{ "train_batch_size": 8, "train_batch_size": 8 }"""));
        Assert.Equal("ds_config.json: \"zero_optimization.reduce_bucket_size\" must be a whole number, not 2.5",
            Error("""{ "train_batch_size": 8, "zero_optimization": { "reduce_bucket_size": 2.5 } }"""));
        Assert.Equal("ds_config.json: \"fp16.enabled\" must be true or false, not \"yes\"",
            Error("""{ "train_batch_size": 8, "fp16": { "enabled": "yes" } }"""));
        Assert.StartsWith("ds_config.json: not valid JSON at line 2", Error("{ \"train_batch_size\": 8,\n ]"));
        Assert.Equal("ds_config.json: fp16 and bf16 cannot both be enabled",
            Error("""{ "train_batch_size": 8, "fp16": { "enabled": true }, "bf16": { "enabled": true } }"""));
    }
}
