using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Training;
using SharpSpeed.Training.DeepSpeedIntegration;

namespace SharpSpeed.Tests.Engine.Config;

/// <summary>
/// The config as HF Trainer's integration hands it to DeepSpeed (batch keys from the flags, "auto" filled), and the key
/// policy: every key present either acts or leaves exactly one line saying it has no effect.
/// </summary>
public sealed class DeepSpeedKeyPolicyTests
{
    /// <summary>The seed's ZeRO-2 fp16 config: no batch keys, as HF users write it.</summary>
    private const string SeedConfig = """
        {
          "fp16": { "enabled": true, "loss_scale": 0, "loss_scale_window": 1000, "initial_scale_power": 16,
                    "hysteresis": 2, "min_loss_scale": 1 },
          "zero_optimization": { "stage": 2, "allgather_partitions": true, "allgather_bucket_size": 2e8,
                                 "overlap_comm": true, "reduce_scatter": true, "reduce_bucket_size": 2e8,
                                 "contiguous_gradients": true },
          "gradient_clipping": 1.0,
          "steps_per_print": 10,
          "wall_clock_breakdown": false
        }
        """;

    private static readonly HashSet<string> SeedFlags =
        ["per_device_train_batch_size", "gradient_accumulation_steps", "fp16", "deepspeed", "learning_rate"];

    private static HfTrainingValues SeedTrainer =>
        new(new TrainingArguments { PerDeviceTrainBatchSize = 2, GradientAccumulationSteps = 4, Fp16 = true, LearningRate = 2e-5 })
        {
            HiddenSize = 4096, ExplicitArguments = SeedFlags,
        };

    [Fact]
    public void SeedConfigTakesItsBatchSizesFromTheFlagsAndSaysSo()
    {
        var config = HfDeepSpeedConfig.Parse(DeepSpeedFile.FromJson("ds_config.json", SeedConfig), 3, SeedTrainer);

        Assert.Equal((24, 2, 4), (config.TrainBatchSize, config.TrainMicroBatchSizePerGpu, config.GradientAccumulationSteps));
        Assert.Equal(TrainingPrecision.Fp16, config.Precision);
        Assert.Equal((2, 200_000_000L, true, true), (config.Zero.Stage, config.Zero.ReduceBucketSize, config.Zero.OverlapComm, config.Zero.ReduceScatter));
        Assert.Equal(10, config.StepsPerPrint);
        Assert.Equal(
        [
            "ds_config.json: batch keys not in the file: train_micro_batch_size_per_gpu=2 from --per_device_train_batch_size, " +
            "gradient_accumulation_steps=4 from --gradient_accumulation_steps; train_batch_size = 2 x 4 x 3 rank(s) = 24",
            "zero_optimization.contiguous_gradients: no effect in SharpSpeed (gradients always live in one flat contiguous buffer per rank)",
        ], config.Notes);
    }

    [Fact]
    public void WithoutTrainingArgumentsTheBatchKeysAreStillRequired()
    {
        var e = Assert.Throws<DeepSpeedConfigException>(() => DeepSpeedConfigParser.Parse(DeepSpeedFile.FromJson("ds_config.json", SeedConfig), 3));
        Assert.Contains("either train_batch_size or train_micro_batch_size_per_gpu needs to be provided", e.Message);
    }

    [Fact]
    public void AMisspeltSectionIsNamedBeforeWhatItsAbsenceWouldCause()
    {
        var typo = SeedConfig.Replace("zero_optimization", "zero_optimisation", StringComparison.Ordinal);
        var e = Assert.Throws<DeepSpeedConfigException>(() => DeepSpeedConfigParser.Parse(DeepSpeedFile.FromJson("ds_config.json", typo), 3));
        Assert.Equal("ds_config.json: \"zero_optimisation\" is not a DeepSpeed key; did you mean \"zero_optimization\"?", e.Message);
    }

    [Fact]
    public void AFileBatchSizeThatContradictsTheFlagsIsRefusedNamingBoth()
    {
        var json = SeedConfig.Insert(1, """ "train_micro_batch_size_per_gpu": 4,""");
        var e = Assert.Throws<DeepSpeedConfigException>(() => HfDeepSpeedConfig.Parse(DeepSpeedFile.FromJson("ds_config.json", json), 3, SeedTrainer));
        Assert.Contains("ds train_micro_batch_size_per_gpu=4 vs hf per_device_train_batch_size=2", e.Message);

        var total = SeedConfig.Insert(1, """ "train_batch_size": 32,""");
        e = Assert.Throws<DeepSpeedConfigException>(() => HfDeepSpeedConfig.Parse(DeepSpeedFile.FromJson("ds_config.json", total), 3, SeedTrainer));
        Assert.Contains("ds train_batch_size=32 vs hf train_batch_size (calculated)=24", e.Message);
    }

    [Fact]
    public void Stage3AutoValuesAreFilledAsHfFillsThem()
    {
        const string json = """
            { "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
              "zero_optimization": { "stage": 3, "overlap_comm": true, "reduce_bucket_size": "auto",
                                     "stage3_prefetch_bucket_size": "auto", "stage3_param_persistence_threshold": "auto",
                                     "stage3_max_live_parameters": 1e9, "stage3_max_reuse_distance": 1e9,
                                     "stage3_gather_16bit_weights_on_model_save": true,
                                     "offload_optimizer": { "device": "cpu", "pin_memory": true },
                                     "offload_param": { "device": "cpu" } } }
            """;
        var config = HfDeepSpeedConfig.Parse(DeepSpeedFile.FromJson("ds_config.json", json), 2, SeedTrainer);

        Assert.Equal(3, config.Zero.Stage);
        Assert.Equal(4096L * 4096, config.Zero.ReduceBucketSize);
        Assert.Equal((long)(0.9 * 4096 * 4096), config.Zero.Stage3.PrefetchBucketSize);
        Assert.Equal(40_960, config.Zero.Stage3.ParamPersistenceThreshold);
        Assert.True(config.Zero.Stage3.GatherWeightsOnModelSave);
        Assert.Equal(new SharpSpeed.Engine.Placement.HostOffload(PinMemory: true), config.Zero.OffloadOptimizer);
        Assert.Equal(new SharpSpeed.Engine.Placement.HostOffload(PinMemory: false), config.Zero.OffloadParam);
        Assert.Empty(config.Notes);
    }

    /// <summary>A config as found in real projects: every monitor and profiler section DeepSpeed documents.</summary>
    private const string RealWorldConfig = """
        {
          "train_batch_size": "auto", "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto",
          "gradient_clipping": "auto",
          "bf16": { "enabled": "auto" },
          "fp16": { "enabled": "auto", "loss_scale": 0, "initial_scale_power": 16 },
          "optimizer": { "type": "AdamW", "params": { "lr": "auto", "betas": "auto", "eps": "auto", "weight_decay": "auto" } },
          "scheduler": { "type": "WarmupDecayLR", "params": { "warmup_min_lr": "auto", "warmup_max_lr": "auto",
                         "warmup_num_steps": "auto", "total_num_steps": "auto" } },
          "zero_optimization": { "stage": 2, "overlap_comm": true, "contiguous_gradients": true, "round_robin_gradients": true,
                                 "reduce_bucket_size": "auto", "sub_group_size": 1e9 },
          "steps_per_print": 50,
          "wall_clock_breakdown": true,
          "prescale_gradients": false,
          "tensorboard": { "enabled": true, "output_path": "logs/tb", "job_name": "sft" },
          "csv_monitor": { "enabled": true, "output_path": "logs/csv", "job_name": "sft" },
          "wandb": { "enabled": true, "team": "lab", "group": "sft", "project": "llm" },
          "comet": { "enabled": false, "project": "llm" },
          "flops_profiler": { "enabled": true, "profile_step": 1, "module_depth": -1, "top_modules": 1, "detailed": true,
                              "output_file": null },
          "comms_logger": { "enabled": true, "verbose": false, "prof_all": true, "debug": false },
          "aio": { "block_size": 1048576, "queue_depth": 8, "thread_count": 1, "single_submit": false, "overlap_events": true },
          "activation_checkpointing": { "partition_activations": false, "cpu_checkpointing": false,
                                        "contiguous_memory_optimization": false, "number_checkpoints": null,
                                        "synchronize_checkpoint_boundary": false, "profile": false },
          "autotuning": { "enabled": false },
          "checkpoint": { "tag_validation": "Warn", "use_node_local_storage": false },
          "data_types": { "grad_accum_dtype": "fp32" },
          "compile": { "disable": true },
          "elasticity": { "enabled": false },
          "memory_breakdown": false,
          "dump_state": false,
          "zero_allow_untested_optimizer": true,
          "dataloader_drop_last": false,
          "communication_data_type": "fp32",
          "gradient_predivide_factor": 1.0
        }
        """;

    [Fact]
    public void ARealWorldConfigIsAcceptedWithOneLinePerKeyThatHasNoEffect()
    {
        var trainer = SeedTrainer with
        {
            Arguments = SeedTrainer.Arguments with { Bf16 = true, Fp16 = false, WarmupRatio = 0.1 },
            TotalTrainingSteps = 100,
            HiddenSize = 64,
        };
        var config = HfDeepSpeedConfig.Parse(DeepSpeedFile.FromJson("ds_config.json", RealWorldConfig), 2, trainer);

        Assert.Equal(new MonitorConfig("logs/tb", "sft"), config.TensorBoard);
        Assert.Equal(Path.Combine("logs", "csv", "sft"), config.CsvMonitor!.Directory);
        Assert.True(config.WallClockBreakdown);
        Assert.Equal(50, config.StepsPerPrint);
        Assert.Equal(TrainingPrecision.Bf16, config.Precision);

        string[] silentlyActing = ["train_batch_size", "gradient_clipping", "optimizer", "scheduler", "steps_per_print",
            "wall_clock_breakdown", "prescale_gradients", "tensorboard", "csv_monitor", "gradient_predivide_factor"];
        string[] noEffect = ["wandb", "comet", "flops_profiler", "comms_logger", "aio", "activation_checkpointing", "autotuning",
            "checkpoint", "data_types", "compile", "elasticity", "memory_breakdown", "dump_state", "zero_allow_untested_optimizer",
            "dataloader_drop_last", "communication_data_type", "zero_optimization.contiguous_gradients",
            "zero_optimization.round_robin_gradients", "zero_optimization.sub_group_size"];
        foreach (var key in noEffect)
        {
            Assert.Single(config.Notes, n => n.StartsWith($"{key}: no effect in SharpSpeed (", StringComparison.Ordinal));
        }
        foreach (var key in silentlyActing)
        {
            Assert.DoesNotContain(config.Notes, n => n.StartsWith(key + ":", StringComparison.Ordinal));
        }
        Assert.Equal(noEffect.Length, config.Notes.Count);
        Assert.All(config.Notes, n => Assert.DoesNotContain('\n', n));
    }

    [Theory]
    [InlineData("zero_optimisation", "zero_optimization", 0)]
    [InlineData("stgae", "stage", 1)]
    [InlineData("gradient_clipping", "gradient_clipping", 0)]
    [InlineData("abcd", "bacd", 1)]
    [InlineData("ca", "abc", 3)]
    public void NearMissesUseOptimalStringAlignmentAfterAmericanSpelling(string typo, string key, int distance)
    {
        Assert.Equal(distance, KeySpelling.Distance(typo.Replace("isation", "ization", StringComparison.Ordinal), key));
        Assert.Equal(distance <= (key.Length <= 4 ? 1 : 2) ? key : null, KeySpelling.ClosestKnown(typo, [key, "unrelated_key"]));
    }
}
