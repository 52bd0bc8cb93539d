namespace SharpSpeed.Engine.Config;

/// <summary>
/// Reads and validates <c>zero_optimization</c> (DeepSpeedZeroConfig's keys and defaults). Stages 0-2 are accepted;
/// stage 3, offloading, ZeRO++ quantisation, hpZ and MiCS are refused as known but not implemented.
/// </summary>
internal static class ZeroSectionReader
{
    /// <summary>Stage-3-only keys: accepted (and ignored, as DeepSpeed ignores them) at stages 0-2.</summary>
    private static readonly string[] Stage3Keys =
    [
        "stage3_prefetch_bucket_size", "stage3_param_persistence_threshold", "stage3_model_persistence_threshold",
        "stage3_max_live_parameters", "stage3_max_reuse_distance", "stage3_gather_16bit_weights_on_model_save",
        "stage3_gather_fp16_weights_on_model_save", "gather_16bit_weights_on_model_save",
        "stage3_module_granularity_threshold", "stage3_use_all_reduce_for_fetch_params", "stage3_allgather_sequential",
        "stage3_partition_stream_chunk_size", "memory_efficient_linear", "override_module_apply",
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
        if (stage == 3)
        {
            throw section.NotImplemented("stage", "ZeRO-3 parameter partitioning; use stage 0, 1 or 2");
        }
        if (stage is < 0 or > 3)
        {
            throw section.Error("stage", $"must be 0, 1, 2 or 3, not {stage}");
        }
        var config = new ZeroConfig(
            Stage: stage,
            AllgatherPartitions: section.Bool("allgather_partitions") ?? defaults.AllgatherPartitions,
            AllgatherBucketSize: BucketSize(section, "allgather_bucket_size", trainer) ?? defaults.AllgatherBucketSize,
            OverlapComm: section.Bool("overlap_comm") ?? false,
            ReduceScatter: section.Bool("reduce_scatter") ?? defaults.ReduceScatter,
            ReduceBucketSize: BucketSize(section, "reduce_bucket_size", trainer) ?? defaults.ReduceBucketSize,
            ContiguousGradients: section.Bool("contiguous_gradients") ?? defaults.ContiguousGradients,
            UseMultiRankBucketAllreduce: section.Bool("use_multi_rank_bucket_allreduce") ?? defaults.UseMultiRankBucketAllreduce,
            LoadFromFp32Weights: section.Bool("load_from_fp32_weights") ?? defaults.LoadFromFp32Weights,
            IgnoreUnusedParameters: section.Bool("ignore_unused_parameters") ?? defaults.IgnoreUnusedParameters,
            RoundRobinGradients: section.Bool("round_robin_gradients") ?? defaults.RoundRobinGradients,
            SubGroupSize: NonNegative(section, "sub_group_size") ?? defaults.SubGroupSize);

        RefuseOffload(section, "offload_optimizer", "optimizer offloading to CPU/NVMe");
        RefuseOffload(section, "offload_param", "parameter offloading (ZeRO-3 only)");
        RefuseWhenTrue(section, "cpu_offload", "optimizer offloading to CPU (deprecated name of offload_optimizer)");
        RefuseWhenTrue(section, "cpu_offload_param", "parameter offloading (deprecated name of offload_param)");
        RefuseWhenTrue(section, "cpu_offload_use_pin_memory", "pinned-memory offloading");
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
        foreach (var key in Stage3Keys)
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

    /// <summary>An offload section is accepted only when it offloads nothing (absent, null, or device "none").</summary>
    private static void RefuseOffload(ConfigSection section, string key, string what)
    {
        var offload = section.Section(key);
        if (offload is null)
        {
            return;
        }
        var device = offload.Has("device") ? offload.String("device") : "none";
        if (device != "none")
        {
            throw section.NotImplemented(key, what);
        }
        foreach (var option in new[] { "nvme_path", "buffer_count", "buffer_size", "max_in_cpu", "pin_memory", "pipeline_read",
                                       "pipeline_write", "fast_init", "ratio", "super_offload", "cpuadam_cores_perc" })
        {
            offload.Ignore(option);
        }
        offload.RejectUnknownKeys();
    }
}
