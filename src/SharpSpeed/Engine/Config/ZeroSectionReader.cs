namespace SharpSpeed.Engine.Config;

/// <summary>
/// Reads and validates <c>zero_optimization</c> (DeepSpeedZeroConfig's keys and defaults). Stages 0-3 and CPU
/// offloading are accepted; NVMe offloading, ZeRO++ quantisation, hpZ and MiCS are refused as known but not implemented.
/// </summary>
internal static class ZeroSectionReader
{
    /// <summary>Stage-3 keys DeepSpeed reads that change nothing SharpSpeed does (accepted, as DeepSpeed accepts them at any stage).</summary>
    private static readonly string[] InertStage3Keys =
    [
        "stage3_model_persistence_threshold", "stage3_module_granularity_threshold", "stage3_use_all_reduce_for_fetch_params",
        "stage3_allgather_sequential", "stage3_partition_stream_chunk_size", "memory_efficient_linear", "override_module_apply",
        "pipeline_loading_checkpoint", "log_trace_cache_warnings", "enable_sanity_checks",
        "save_muon_momentum_buffer_in_memory", "leaf_module", "mics_hierarchical_params_gather",
    ];

    public static ZeroConfig Read(ConfigSection root, HfTrainingValues? trainer)
    {
        var section = root.Section("zero_optimization");
        if (section is null)
        {
            return new ZeroConfig();
        }
        var defaults = new ZeroConfig();
        var stage = section.Int32("stage") ?? 0;
        if (stage is < 0 or > 3)
        {
            throw section.Error("stage", $"must be 0, 1, 2 or 3, not {stage}");
        }
        var config = new ZeroConfig(
            Stage: stage,
            AllgatherPartitions: section.Bool("allgather_partitions") ?? defaults.AllgatherPartitions,
            AllgatherBucketSize: BucketSize(section, "allgather_bucket_size", trainer) ?? defaults.AllgatherBucketSize,
            // DeepSpeed's default: overlap_comm is on at stage 3 only.
            OverlapComm: section.Bool("overlap_comm") ?? stage == 3,
            ReduceScatter: section.Bool("reduce_scatter") ?? defaults.ReduceScatter,
            ReduceBucketSize: BucketSize(section, "reduce_bucket_size", trainer) ?? defaults.ReduceBucketSize,
            ContiguousGradients: section.Bool("contiguous_gradients") ?? defaults.ContiguousGradients,
            UseMultiRankBucketAllreduce: section.Bool("use_multi_rank_bucket_allreduce") ?? defaults.UseMultiRankBucketAllreduce,
            LoadFromFp32Weights: section.Bool("load_from_fp32_weights") ?? defaults.LoadFromFp32Weights,
            IgnoreUnusedParameters: section.Bool("ignore_unused_parameters") ?? defaults.IgnoreUnusedParameters,
            RoundRobinGradients: section.Bool("round_robin_gradients") ?? defaults.RoundRobinGradients,
            SubGroupSize: NonNegative(section, "sub_group_size") ?? defaults.SubGroupSize)
        {
            Stage3 = ReadStage3(section, trainer),
            OffloadOptimizer = Offload(section, "offload_optimizer"),
            OffloadParam = Offload(section, "offload_param"),
        };
        if (config.OffloadParam is not null && stage != 3)
        {
            throw section.Error("offload_param", $"needs stage 3 (parameters are partitioned only there), but stage is {stage}");
        }
        if (config.OffloadOptimizer is not null && stage == 0)
        {
            throw section.Error("offload_optimizer", "needs stage 1, 2 or 3 (DeepSpeed offloads the optimizer of a ZeRO partition), but stage is 0");
        }
        RefuseWhenTrue(section, "cpu_offload", "the deprecated cpu_offload flag (write offload_optimizer: {\"device\": \"cpu\"})");
        RefuseWhenTrue(section, "cpu_offload_param", "the deprecated cpu_offload_param flag (write offload_param: {\"device\": \"cpu\"})");
        RefuseWhenTrue(section, "cpu_offload_use_pin_memory", "the deprecated cpu_offload_use_pin_memory flag (write pin_memory in the offload section)");
        RefuseWhenTrue(section, "legacy_stage1", "the legacy ZeRO-1 implementation");
        RefuseWhenTrue(section, "elastic_checkpoint", "elastic ZeRO checkpoints");
        RefuseWhenTrue(section, "zero_quantized_weights", "ZeRO++ quantized weights");
        RefuseWhenTrue(section, "zero_quantized_nontrainable_weights", "ZeRO++ quantized weights");
        RefuseWhenTrue(section, "zero_quantized_gradients", "ZeRO++ quantized gradients");
        if ((section.Int32("zero_hpz_partition_size") ?? 1) > 1)
        {
            throw section.NotImplemented("zero_hpz_partition_size", "ZeRO++ hierarchical partitioning");
        }
        if ((section.Int32("mics_shard_size") ?? -1) > 0)
        {
            throw section.NotImplemented("mics_shard_size", "MiCS sharding");
        }
        if (section.Has("zeropp_loco_param") || section.Has("zenflow"))
        {
            var key = section.Has("zenflow") ? "zenflow" : "zeropp_loco_param";
            throw section.NotImplemented(key, key == "zenflow" ? "ZenFlow" : "LoCo-ZeRO++");
        }
        section.Ignore("zeropp_loco_param");
        section.Ignore("zenflow");
        foreach (var key in InertStage3Keys)
        {
            section.Ignore(key);
        }
        section.RejectUnknownKeys();
        return config;
    }

    /// <summary>A bucket size in elements; HF fills an "auto" reduce_bucket_size with hidden_size^2.</summary>
    private static long? BucketSize(ConfigSection section, string key, HfTrainingValues? trainer)
    {
        if (section.IsAuto(key) && key == "reduce_bucket_size")
        {
            section.MarkRead(key);
            var hidden = trainer?.HiddenSize
                         ?? throw section.Error(key, "is \"auto\", which HF fills with hidden_size^2, but the model's hidden size was not given");
            return (long)hidden * hidden;
        }
        return NonNegative(section, key);
    }

    private static long? NonNegative(ConfigSection section, string key)
    {
        var value = section.Integer(key);
        return value is null or >= 0 ? value : throw section.Error(key, "must be >= 0");
    }

    private static void RefuseWhenTrue(ConfigSection section, string key, string what)
    {
        if (section.Bool(key) == true)
        {
            throw section.NotImplemented(key, what);
        }
    }

    /// <summary>
    /// The stage3_* keys; "auto" is filled as HF's integration fills it (prefetch 0.9 hidden^2, persistence 10 hidden).
    /// The 16-bit save flag has two older names DeepSpeed still reads.
    /// </summary>
    private static Zero.Stage3Options ReadStage3(ConfigSection section, HfTrainingValues? trainer)
    {
        var defaults = new Zero.Stage3Options();
        long? Auto(string key, double timesHidden, bool squared)
        {
            if (!section.IsAuto(key))
            {
                return NonNegative(section, key);
            }
            section.MarkRead(key);
            var hidden = trainer?.HiddenSize ?? throw section.Error(key, "is \"auto\", which HF fills from hidden_size, but the model's hidden size was not given");
            return (long)(timesHidden * (squared ? (double)hidden * hidden : hidden));
        }
        var gather = section.Bool("stage3_gather_16bit_weights_on_model_save")
                     ?? section.Bool("stage3_gather_fp16_weights_on_model_save")
                     ?? section.Bool("gather_16bit_weights_on_model_save")
                     ?? defaults.GatherWeightsOnModelSave;
        return new Zero.Stage3Options
        {
            PrefetchBucketSize = Auto("stage3_prefetch_bucket_size", 0.9, squared: true) ?? defaults.PrefetchBucketSize,
            ParamPersistenceThreshold = Auto("stage3_param_persistence_threshold", 10, squared: false) ?? defaults.ParamPersistenceThreshold,
            MaxLiveParameters = NonNegative(section, "stage3_max_live_parameters") ?? defaults.MaxLiveParameters,
            MaxReuseDistance = NonNegative(section, "stage3_max_reuse_distance") ?? defaults.MaxReuseDistance,
            GatherWeightsOnModelSave = gather,
        };
    }

    /// <summary>An offload section: device cpu offloads (pin_memory honoured on GPUs), none or absent does not, nvme is refused.</summary>
    private static Placement.HostOffload? Offload(ConfigSection section, string key)
    {
        var offload = section.Section(key);
        if (offload is null)
        {
            return null;
        }
        var device = offload.Has("device") ? offload.String("device") : "none";
        foreach (var option in new[] { "nvme_path", "buffer_count", "buffer_size", "max_in_cpu", "pipeline_read",
                                       "pipeline_write", "fast_init", "ratio", "super_offload", "cpuadam_cores_perc" })
        {
            offload.Ignore(option);
        }
        var pin = offload.Bool("pin_memory") ?? false;
        offload.RejectUnknownKeys();
        return device switch
        {
            "none" => null,
            "cpu" => new Placement.HostOffload(pin),
            "nvme" => throw offload.NotImplemented("device", "offloading to NVMe (use \"device\": \"cpu\")"),
            _ => throw offload.Error("device", $"must be \"cpu\", \"nvme\" or \"none\", not \"{device}\""),
        };
    }
}
