namespace SharpSpeed.Engine.Config;

/// <summary>
/// Top-level DeepSpeed sections SharpSpeed knows but does not run. A section that enables nothing
/// (empty, or <c>"enabled": false</c>) is accepted; otherwise the config is refused with a message that says so.
/// </summary>
internal static class UnsupportedFeatures
{
    private static readonly Dictionary<string, string> Sections = new(StringComparer.Ordinal)
    {
        ["amp"] = "NVIDIA apex AMP",
        ["activation_checkpointing"] = "DeepSpeed's activation checkpointing (use --gradient_checkpointing)",
        ["flops_profiler"] = "the FLOPs profiler",
        ["tensorboard"] = "DeepSpeed's TensorBoard monitor (SharpSpeed's trainer writes TensorBoard events itself)",
        ["wandb"] = "the Weights & Biases monitor",
        ["csv_monitor"] = "the CSV monitor",
        ["comet"] = "the Comet monitor",
        ["comms_logger"] = "the communication logger",
        ["aio"] = "asynchronous NVMe I/O",
        ["elasticity"] = "elastic training",
        ["pipeline"] = "pipeline parallelism",
        ["autotuning"] = "autotuning",
        ["checkpoint"] = "DeepSpeed checkpoint options",
        ["data_types"] = "gradient accumulation dtypes",
        ["sparse_attention"] = "sparse attention",
        ["compression_training"] = "compression training",
        ["data_efficiency"] = "data efficiency",
        ["curriculum_learning"] = "curriculum learning",
        ["eigenvalue"] = "eigenvalue computation",
        ["progressive_layer_drop"] = "progressive layer drop",
        ["quantize_training"] = "quantised training",
        ["nebula"] = "Nebula checkpointing",
        ["weight_quantization"] = "weight quantisation",
        ["compile"] = "torch.compile",
        ["timers"] = "DeepSpeed timers",
        ["tensor_parallel"] = "tensor parallelism",
        ["hybrid_engine"] = "the hybrid engine",
    };

    private static readonly Dictionary<string, string> Flags = new(StringComparer.Ordinal)
    {
        ["sparse_gradients"] = "sparse gradients",
        ["disable_allgather"] = "disabling the parameter all-gather",
        ["zero_force_ds_cpu_optimizer"] = "DeepSpeed's CPU optimizer",
        ["graph_harvesting"] = "graph harvesting",
        ["use_data_before_expert_parallel_"] = "expert parallelism",
    };

    private static readonly string[] DataTypeKeys = ["communication_data_type", "seq_parallel_communication_data_type"];

    public static void Check(ConfigSection root)
    {
        foreach (var (key, what) in Sections)
        {
            var section = root.Section(key);
            if (section is null || section.IsEmpty)
            {
                continue;
            }
            if (section.Bool("enabled") != false)
            {
                throw root.NotImplemented(key, what);
            }
            // A disabled section's other settings have no effect, as in DeepSpeed.
        }
        foreach (var (key, what) in Flags)
        {
            if (root.Bool(key) == true)
            {
                throw root.NotImplemented(key, what);
            }
        }
        foreach (var key in DataTypeKeys)
        {
            var value = root.String(key);
            if (value is not null)
            {
                throw root.NotImplemented(key,
                    "a communication dtype other than the gradients' own; remove the key");
            }
        }
    }
}
