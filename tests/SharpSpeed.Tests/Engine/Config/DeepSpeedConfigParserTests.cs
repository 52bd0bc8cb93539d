using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Tests.Engine.Config;

public sealed class DeepSpeedConfigParserTests
{
    private static DeepSpeedConfig Parse(string json, int world = 1) => DeepSpeedConfigParser.Parse(DeepSpeedFile.FromJson("ds_config.json", json), world);

    private static string Error(string json, int world = 1) =>
        Assert.Throws<DeepSpeedConfigException>(() => Parse(json, world)).Message;

    [Fact]
    public void SeedConfigGivesTheSeedValues()
    {
        var config = DeepSpeedConfigParser.Parse(DeepSpeedFile.Read(RepositoryFiles.Path("examples/ds_config_zero2.json")), worldSize: 3);

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

    [Fact]
    public void AutoIsRefusedNamingTheKeyForTheTrainerFillsIt()
    {
        Assert.Equal("ds_config.json: \"train_micro_batch_size_per_gpu\" is \"auto\", and nothing fills it here " +
                     "(a trainer fills HF's \"auto\" keys from its arguments); give a value",
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
    [InlineData("""{ "train_batch_size": 8, "zero_optimization": { "stage": 2, "foo": true } }""", "zero_optimization.foo")]
    [InlineData("""{ "train_batch_size": 8, "optimizer": { "type": "AdamW", "params": { "lr": 1e-3, "foo": 1 } } }""", "optimizer.params.foo")]
    [InlineData("""{ "train_batch_size": 8, "scheduler": { "type": "WarmupLR", "params": { "total_num_steps": 9 } } }""", "scheduler.params.total_num_steps")]
    [InlineData("""{ "train_batch_size": 8, "tensorboard": { "enabled": true, "foo": 1 } }""", "tensorboard.foo")]
    public void UnknownKeysWhereDeepSpeedRefusesThemAreErrors(string json, string keyPath)
    {
        Assert.Equal($"ds_config.json: unknown key \"{keyPath}\"", Error(json));
    }

    [Fact]
    public void UnknownKeysWhereDeepSpeedIgnoresThemAreOneLineWarnings()
    {
        var config = Parse("""{ "train_batch_size": 8, "my_project_note": "x", "fp16": { "enabled": false, "foo": 1 } }""");
        Assert.Equal(
        [
            "fp16.foo: unknown key, ignored (not a DeepSpeed setting; DeepSpeed ignores it too)",
            "my_project_note: unknown key, ignored (not a DeepSpeed setting; DeepSpeed ignores it too)",
        ], config.Notes.Order());
    }

    [Theory]
    [InlineData("""{ "zero_optimisation": { "stage": 2 } }""", "zero_optimisation", "zero_optimization")]
    [InlineData("""{ "train_micro_batch_size_per_gpus": 2 }""", "train_micro_batch_size_per_gpus", "train_micro_batch_size_per_gpu")]
    [InlineData("""{ "gradient_clippng": 1.0 }""", "gradient_clippng", "gradient_clipping")]
    [InlineData("""{ "Fp16": { "enabled": true } }""", "Fp16", "fp16")]
    [InlineData("""{ "tensorbaord": { "enabled": true } }""", "tensorbaord", "tensorboard")]
    [InlineData("""{ "flops_profiller": { "enabled": true } }""", "flops_profiller", "flops_profiler")]
    [InlineData("""{ "zero_optimization": { "stgae": 2 } }""", "zero_optimization.stgae", "zero_optimization.stage")]
    [InlineData("""{ "zero_optimization": { "overlap_com": true } }""", "zero_optimization.overlap_com", "zero_optimization.overlap_comm")]
    [InlineData("""{ "fp16": { "initial_scale_powr": 16 } }""", "fp16.initial_scale_powr", "fp16.initial_scale_power")]
    [InlineData("""{ "optimizer": { "type": "AdamW", "params": { "weight_decy": 0.1 } } }""", "optimizer.params.weight_decy", "optimizer.params.weight_decay")]
    public void NearMissesOfDeepSpeedKeysAreErrorsNamingBoth(string json, string typo, string meant)
    {
        var withBatch = json.Insert(1, " \"train_batch_size\": 8,");
        Assert.Equal($"ds_config.json: \"{typo}\" is not a DeepSpeed key; did you mean \"{meant}\"?", Error(withBatch));
    }

    [Theory]
    [InlineData("""{ "zero_optimization": { "stage": 2, "offload_optimizer": { "device": "nvme" } } }""", "zero_optimization.offload_optimizer.device")]
    [InlineData("""{ "zero_optimization": { "stage": 2, "zero_quantized_gradients": true } }""", "zero_optimization.zero_quantized_gradients")]
    [InlineData("""{ "optimizer": { "type": "Lamb" } }""", "optimizer.type")]
    [InlineData("""{ "scheduler": { "type": "OneCycle" } }""", "scheduler.type")]
    [InlineData("""{ "amp": { "enabled": true, "opt_level": "O1" } }""", "amp")]
    [InlineData("""{ "tensor_parallel": { "autotp_size": 2 } }""", "tensor_parallel")]
    [InlineData("""{ "fp16": { "enabled": true, "fp16_master_weights_and_grads": true } }""", "fp16.fp16_master_weights_and_grads")]
    public void KnownButNotImplementedKeysSaySo(string json, string keyPath)
    {
        var withBatch = json.Insert(1, " \"train_batch_size\": 8,");
        var message = Error(withBatch);
        Assert.StartsWith($"ds_config.json: \"{keyPath}\" is a DeepSpeed setting SharpSpeed knows but does not implement yet", message);
    }

    [Fact]
    public void DisabledOptionalSectionsAreAccepted()
    {
        var config = Parse("""
            { "train_batch_size": 8, "tensorboard": { "enabled": false, "output_path": "tb" }, "wandb": {},
              "zero_optimization": { "stage": 1, "offload_optimizer": { "device": "none" }, "stage3_max_live_parameters": 1e9 } }
            """);
        Assert.Equal(1, config.Zero.Stage);
        Assert.Null(config.TensorBoard);
        Assert.Null(config.Zero.OffloadOptimizer);
        Assert.Equal(
        [
            "tensorboard: no effect in SharpSpeed (disabled)",
            "wandb: no effect in SharpSpeed (the Weights & Biases monitor is not built in; metrics.jsonl, TensorBoard and csv_monitor carry the same scalars)",
            "zero_optimization.stage3_max_live_parameters: no effect in SharpSpeed (used at ZeRO stage 3; this config runs stage 1)",
        ], config.Notes.Order());
    }

    [Fact]
    public void AWarmupMaxLrLeftOutTakesTheOptimizersLrElseDeepSpeedsDefault()
    {
        var withOptimizer = Parse("""
            { "train_batch_size": 1, "optimizer": { "type": "AdamW", "params": { "lr": 3e-4 } },
              "scheduler": { "type": "WarmupLR", "params": { "warmup_num_steps": 10 } } }
            """);
        Assert.Equal(3e-4, withOptimizer.Scheduler!.WarmupMaxLr);
        var alone = Parse("""{ "train_batch_size": 1, "scheduler": { "type": "WarmupLR", "params": { "warmup_num_steps": 10 } } }""");
        Assert.Equal(1e-3, alone.Scheduler!.WarmupMaxLr);
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
