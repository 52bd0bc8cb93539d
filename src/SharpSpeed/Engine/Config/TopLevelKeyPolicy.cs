namespace SharpSpeed.Engine.Config;

/// <summary>
/// The top-level DeepSpeed keys (docs/config-json and DeepSpeed's runtime config) that no dedicated reader handles.
/// Each either has no effect here, and one line says so and why, or changes what is trained (another model, another
/// optimizer or precision, another data order) and is refused when it enables anything. The keys that act are read by
/// <see cref="DeepSpeedConfigParser"/> and the section readers; docs/deepspeed-config.md lists all of them.
/// </summary>
internal static class TopLevelKeyPolicy
{
    /// <summary>Accepted as they are; the reason is printed when the file has the key.</summary>
    private static readonly Dictionary<string, string> NoEffect = new(StringComparer.Ordinal)
    {
        ["wandb"] = "the Weights & Biases monitor is not built in; metrics.jsonl, TensorBoard and csv_monitor carry the same scalars",
        ["comet"] = "the Comet monitor is not built in; metrics.jsonl, TensorBoard and csv_monitor carry the same scalars",
        ["flops_profiler"] = "no per-module FLOPs profiler; report.md gives FLOPs per token, tokens/s and MFU",
        ["comms_logger"] = "no communication logger; `sharpspeed bench comm` measures collective bandwidth",
        ["aio"] = "asynchronous I/O serves NVMe offload only, which SharpSpeed does not run",
        ["autotuning"] = "read only by DeepSpeed's launcher in --autotuning mode",
        ["activation_checkpointing"] = "applies to models written with deepspeed.checkpointing; HF models (and SharpSpeed) use --gradient_checkpointing",
        ["checkpoint"] = "checkpoints are always per-rank shards plus the HF model folder, written atomically; `convert` consolidates them",
        ["nebula"] = "Nebula is an Azure checkpoint service",
        ["compile"] = "torch.compile does not exist in TorchSharp; the eager kernels run",
        ["deepcompile"] = "torch.compile does not exist in TorchSharp; the eager kernels run",
        ["timers"] = "DeepSpeed's CUDA-event timers; wall_clock_breakdown prints the step split",
        ["hybrid_engine"] = "the RLHF generation engine; `sharpspeed generate` runs inference",
        ["memory_breakdown"] = "memory per rank is always printed at the end of training and written to report.md",
        ["dump_state"] = "the resolved settings are printed at start instead",
        ["dataloader_drop_last"] = "only DeepSpeed's own data loader reads it; the trainer's sampler always keeps whole global batches",
        ["zero_allow_untested_optimizer"] = "only AdamW runs, and it is tested with every ZeRO stage",
        ["zero_force_ds_cpu_optimizer"] = "with offload_optimizer SharpSpeed always runs its own CPU AdamW",
        ["sparse_gradients"] = "no model here has sparse (embedding) gradients; all gradients are dense",
        ["disable_allgather"] = "deprecated in DeepSpeed; allgather_partitions chooses how updated parameters are gathered",
        ["graph_harvesting"] = "CUDA graphs are not captured",
        ["managed_gradient_accumulation"] = "the trainer calls the engine once per micro-batch and steps at the accumulation boundary, DeepSpeed's default",
        ["gradient_allreduce_op"] = "gradients are always averaged (DeepSpeed's default \"mean\")",
        ["communication_data_type"] = "collectives run in the gradients' own dtype",
        ["seq_parallel_communication_data_type"] = "no sequence parallelism",
        ["data_types"] = "gradients accumulate in the dtype of the engine's gradient buffers",
        ["use_data_before_expert_parallel_"] = "no expert parallelism",
        ["elasticity"] = "elastic training is not run; batch sizes come from the batch keys and the flags",
    };

    /// <summary>Refused when they enable anything (an empty section, or "enabled": false, is accepted with a line).</summary>
    private static readonly Dictionary<string, string> Refused = new(StringComparer.Ordinal)
    {
        ["amp"] = "NVIDIA apex AMP; use fp16 or bf16",
        ["torch_autocast"] = "torch.autocast; use fp16 or bf16",
        ["pipeline"] = "pipeline parallelism",
        ["tensor_parallel"] = "tensor parallelism (AutoTP)",
        ["expert_parallel"] = "expert parallelism (AutoEP)",
        ["sparse_attention"] = "sparse attention",
        ["compression_training"] = "compression training",
        ["data_efficiency"] = "data efficiency (curriculum sampling, random-LTD)",
        ["curriculum_learning"] = "curriculum learning",
        ["eigenvalue"] = "eigenvalue computation",
        ["progressive_layer_drop"] = "progressive layer drop",
        ["quantize_training"] = "quantised training",
        ["weight_quantization"] = "weight quantisation",
    };

    /// <summary>The keys read elsewhere, for near-miss suggestions at the top level.</summary>
    public static readonly string[] ActingKeys =
    [
        "train_batch_size", "train_micro_batch_size_per_gpu", "gradient_accumulation_steps", "optimizer", "scheduler",
        "fp16", "bf16", "bfloat16", "gradient_clipping", "zero_optimization", "prescale_gradients",
        "gradient_predivide_factor", "steps_per_print", "wall_clock_breakdown", "tensorboard", "csv_monitor",
    ];

    public static readonly IReadOnlyCollection<string> AllKeys =
        ActingKeys.Concat(NoEffect.Keys).Concat(Refused.Keys).ToHashSet(StringComparer.Ordinal);

    public static void Apply(ConfigSection root)
    {
        foreach (var (key, reason) in NoEffect)
        {
            root.NoEffect(key, reason);
        }
        foreach (var (key, what) in Refused)
        {
            if (!root.Contains(key))
            {
                root.Ignore(key);
                continue;
            }
            var section = root.Section(key);
            if (section is not null && !section.IsEmpty && section.Bool("enabled") != false && !DisabledTensorParallel(key, section))
            {
                throw root.NotImplemented(key, what);
            }
            root.Notes.Add($"{key}: no effect in SharpSpeed (disabled)");
        }
    }

    /// <summary>tensor_parallel has no "enabled": a size of 1 (or none) is no tensor parallelism.</summary>
    private static bool DisabledTensorParallel(string key, ConfigSection section) =>
        key == "tensor_parallel" && !section.Contains("enabled")
        && (section.Contains("autotp_size") ? section.Int32("autotp_size") : 1) is null or <= 1;
}
