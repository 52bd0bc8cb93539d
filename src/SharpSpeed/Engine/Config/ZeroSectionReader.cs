using SharpSpeed.Engine.Placement;
using SharpSpeed.Engine.Zero;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// Reads <c>zero_optimization</c> (DeepSpeedZeroConfig's keys, aliases and defaults). Stages 0-3, CPU offload of the
/// optimizer and (stage 3) of the parameters act; keys that only tune DeepSpeed's own implementation have no effect
/// and say so; ZeRO++ quantisation, hpZ, MiCS, LoCo, ZenFlow and NVMe offload are refused. Unknown keys are errors, as
/// DeepSpeed's pydantic model forbids extra keys.
/// </summary>
internal static class ZeroSectionReader
{
    private static readonly Dictionary<string, string> NoEffectKeys = new(StringComparer.Ordinal)
    {
        ["contiguous_gradients"] = "gradients always live in one flat contiguous buffer per rank",
        ["use_multi_rank_bucket_allreduce"] = "each bucket is one collective over all ranks",
        ["load_from_fp32_weights"] = "a resumed run always restores its fp32 master weights from the checkpoint",
        ["ignore_unused_parameters"] = "every parameter of the model takes part in every step",
        ["round_robin_gradients"] = "partitions are contiguous stripes of the flat buffer, in one fixed order",
        ["sub_group_size"] = "the optimizer updates each rank's partition in one vectorised pass",
        ["elastic_checkpoint"] = "checkpoints resume at the world size that wrote them; `convert` consolidates them",
        ["stage3_model_persistence_threshold"] = "persistence is decided per parameter by stage3_param_persistence_threshold",
        ["stage3_module_granularity_threshold"] = "parameters are gathered per decoder layer, the model's own seam",
        ["stage3_use_all_reduce_for_fetch_params"] = "parameters are gathered with all-gather",
        ["stage3_allgather_sequential"] = "parameters are gathered with all-gather",
        ["stage3_partition_stream_chunk_size"] = "no CUDA streams are used to partition",
        ["memory_efficient_linear"] = "linear layers run TorchSharp's own kernels",
        ["override_module_apply"] = "modules are not patched",
        ["pipeline_loading_checkpoint"] = "no pipeline parallelism",
        ["log_trace_cache_warnings"] = "the gather order is recorded per step, without a trace cache",
        ["enable_sanity_checks"] = "the engine checks its own partition invariants",
        ["save_muon_momentum_buffer_in_memory"] = "only AdamW runs",
        ["leaf_module"] = "parameters are gathered per decoder layer",
        ["mics_hierarchical_params_gather"] = "MiCS is not run",
        ["cpu_offload_use_pin_memory"] = "read with cpu_offload / cpu_offload_param only",
    };

    private static readonly string[] Stage3ActingKeys =
    [
        "stage3_prefetch_bucket_size", "prefetch_bucket_size", "stage3_param_persistence_threshold", "param_persistence_threshold",
        "stage3_max_live_parameters", "max_live_parameters", "stage3_max_reuse_distance", "max_reuse_distance",
        "stage3_gather_16bit_weights_on_model_save", "stage3_gather_fp16_weights_on_model_save", "gather_16bit_weights_on_model_save",
    ];

    private static readonly string[] GatherOnSaveKeys = Stage3ActingKeys[^3..];

    private static readonly string[] OffOnlyKeys =
    [
        "zero_hpz_partition_size", "mics_shard_size", "legacy_stage1", "zero_quantized_weights",
        "zero_quantized_nontrainable_weights", "zero_quantized_gradients",
    ];

    private static readonly string[] OffloadNoEffectKeys =
    [
        "nvme_path", "buffer_count", "buffer_size", "max_in_cpu", "pipeline_read", "pipeline_write", "fast_init", "ratio",
        "super_offload", "cpuadam_cores_perc",
    ];

    public static ZeroConfig Read(ConfigSection root)
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
            AllgatherBucketSize: NonNegative(section, "allgather_bucket_size") ?? defaults.AllgatherBucketSize,
            // DeepSpeed's default: overlap at stage 3 only.
            OverlapComm: section.Bool("overlap_comm") ?? stage == 3,
            ReduceScatter: section.Bool("reduce_scatter") ?? defaults.ReduceScatter,
            ReduceBucketSize: NonNegative(section, "reduce_bucket_size") ?? defaults.ReduceBucketSize,
            ContiguousGradients: section.Bool("contiguous_gradients") ?? defaults.ContiguousGradients,
            UseMultiRankBucketAllreduce: section.Bool("use_multi_rank_bucket_allreduce") ?? defaults.UseMultiRankBucketAllreduce,
            LoadFromFp32Weights: section.Bool("load_from_fp32_weights") ?? defaults.LoadFromFp32Weights,
            IgnoreUnusedParameters: section.Bool("ignore_unused_parameters") ?? defaults.IgnoreUnusedParameters,
            RoundRobinGradients: section.Bool("round_robin_gradients") ?? defaults.RoundRobinGradients,
            SubGroupSize: NonNegative(section, "sub_group_size") ?? defaults.SubGroupSize)
        {
            Stage3 = ReadStage3(section, stage),
            OffloadOptimizer = ReadOffload(section, "offload_optimizer", "cpu_offload"),
            OffloadParam = ReadOffload(section, "offload_param", "cpu_offload_param"),
        };
        if (config.OffloadParam is not null && stage != 3)
        {
            throw section.Error("offload_param", $"needs stage 3 (parameters are partitioned only there), but stage is {stage}");
        }
        if (config.OffloadOptimizer is not null && stage == 0)
        {
            throw section.Error("offload_optimizer", "needs stage 1, 2 or 3 (the optimizer of a ZeRO partition is offloaded), but stage is 0");
        }
        RefuseWhenTrue(section, "legacy_stage1", "the legacy ZeRO-1 implementation");
        RefuseWhenTrue(section, "zero_quantized_weights", "ZeRO++ quantized weights");
        RefuseWhenTrue(section, "zero_quantized_nontrainable_weights", "ZeRO++ quantized weights");
        RefuseWhenTrue(section, "zero_quantized_gradients", "ZeRO++ quantized gradients");
        RefuseWhenTrue(section, "elastic_checkpoint", "elastic ZeRO checkpoints");
        if ((section.Int32("zero_hpz_partition_size") ?? 1) > 1)
        {
            throw section.NotImplemented("zero_hpz_partition_size", "ZeRO++ hierarchical partitioning");
        }
        if ((section.Int32("mics_shard_size") ?? -1) > 0)
        {
            throw section.NotImplemented("mics_shard_size", "MiCS sharding");
        }
        if (section.Has("zeropp_loco_param"))
        {
            throw section.NotImplemented("zeropp_loco_param", "LoCo-ZeRO++");
        }
        if (section.Has("zenflow"))
        {
            throw section.NotImplemented("zenflow", "ZenFlow");
        }
        section.Ignore("zeropp_loco_param");
        section.Ignore("zenflow");
        foreach (var (key, reason) in NoEffectKeys)
        {
            section.NoEffect(key, reason);
        }
        foreach (var key in OffOnlyKeys)
        {
            section.NoEffect(key, "its value leaves the feature off");
        }
        section.CheckUnknownKeys(strict: true);
        return config;
    }

    /// <summary>
    /// The stage3_* keys (DeepSpeed also takes them without the prefix). Below stage 3 they have no effect, and say so.
    /// </summary>
    private static Stage3Options ReadStage3(ConfigSection section, int stage)
    {
        var defaults = new Stage3Options();
        long? Pick(string name, Func<string, long?> read) =>
            section.Contains("stage3_" + name) ? read("stage3_" + name) : read(name);
        var options = new Stage3Options
        {
            PrefetchBucketSize = Pick("prefetch_bucket_size", k => NonNegative(section, k)) ?? defaults.PrefetchBucketSize,
            ParamPersistenceThreshold = Pick("param_persistence_threshold", k => NonNegative(section, k))
                                        ?? defaults.ParamPersistenceThreshold,
            MaxLiveParameters = Pick("max_live_parameters", k => NonNegative(section, k)) ?? defaults.MaxLiveParameters,
            MaxReuseDistance = Pick("max_reuse_distance", k => NonNegative(section, k)) ?? defaults.MaxReuseDistance,
            // Every alias is read (so none is reported unknown); the first one given wins.
            GatherWeightsOnModelSave = GatherOnSaveKeys.Select(section.Bool).ToList().FirstOrDefault(v => v is not null)
                                       ?? defaults.GatherWeightsOnModelSave,
        };
        if (stage != 3)
        {
            foreach (var key in Stage3ActingKeys)
            {
                if (section.Contains(key))
                {
                    section.Notes.Add($"{section.KeyPath(key)}: no effect in SharpSpeed (used at ZeRO stage 3; this config runs stage {stage})");
                }
            }
        }
        return options;
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
    /// offload_optimizer / offload_param: device "cpu" acts (pin_memory too); "none" or absent keeps the state on the
    /// device; "nvme" is refused. The deprecated boolean (cpu_offload / cpu_offload_param) means device cpu.
    /// </summary>
    private static HostOffload? ReadOffload(ConfigSection section, string key, string deprecatedFlag)
    {
        var pinDeprecated = section.Bool("cpu_offload_use_pin_memory") ?? false;
        if (section.Bool(deprecatedFlag) == true)
        {
            if (section.Has(key))
            {
                throw section.Error(deprecatedFlag, $"and \"{key}\" both given; keep \"{key}\" (the other is its deprecated name)");
            }
            return new HostOffload(pinDeprecated);
        }
        var offload = section.Section(key);
        if (offload is null)
        {
            return null;
        }
        var device = offload.String("device") ?? "none";
        var pin = offload.Bool("pin_memory") ?? false;
        foreach (var option in OffloadNoEffectKeys)
        {
            offload.NoEffect(option, "NVMe offload tuning; offload here goes to CPU memory");
        }
        offload.CheckUnknownKeys(strict: true);
        return device switch
        {
            "none" => null,
            "cpu" => new HostOffload(pin),
            "nvme" => throw offload.NotImplemented("device", "offloading to NVMe; use \"cpu\""),
            _ => throw offload.Error("device", $"\"{device}\" is not none, cpu or nvme"),
        };
    }
}
