using System.Globalization;

namespace SharpSpeed.Planning;

/// <summary>
/// Lists the ways to train a model on a cluster — ZeRO stage 0-3 x optimizer offload (stages 1-3) x parameter offload
/// (stage 3, with the optimizer's) x activation checkpointing, for full fine-tuning and for each LoRA rank on a 16-bit
/// and a 4-bit (QLoRA, NF4) base — each with its per-GPU bytes by formula, whether it fits the GPU and the node's host
/// memory, and its modelled step time; fitting recipes first, fastest first, then the rest by memory.
/// </summary>
public static class RecipePlanner
{
    public static IReadOnlyList<int> DefaultLoraRanks { get; } = [16, 64];

    public static IReadOnlyList<RecipeEstimate> Plan(
        PlannedModel model, TrainingSetup setup, ClusterSpec cluster, IReadOnlyList<int> loraRanks, IReadOnlyList<string> loraTargets)
    {
        ArgumentNullException.ThrowIfNull(model);
        cluster.Validate();
        var config = model.Config
                     ?? throw new ArgumentException("recipes need the model's shape (--model_name_or_path, --config or the shape flags)");
        var estimates = Enumerate(loraRanks)
            .Select(recipe => Judge(model, config, setup, cluster, recipe, loraTargets))
            .ToList();
        return
        [
            .. estimates.Where(r => r.Fits).OrderBy(r => r.Step.Total).ThenBy(r => r.GpuBytes),
            .. estimates.Where(r => !r.Fits).OrderBy(r => r.GpuBytes),
        ];
    }

    public static IEnumerable<Recipe> Enumerate(IReadOnlyList<int> loraRanks)
    {
        var methods = new List<(int? Rank, int Bits)> { (null, 16) };
        foreach (int rank in loraRanks)
        {
            methods.Add((rank, 16));
            methods.Add((rank, 4));
        }
        foreach (var (rank, bits) in methods)
        {
            for (int stage = 0; stage <= 3; stage++)
            {
                foreach (var offload in new[] { OffloadMode.None, OffloadMode.Optimizer, OffloadMode.All })
                {
                    if (!MemoryPlanner.IsSupported(stage, offload))
                    {
                        continue;
                    }
                    foreach (bool checkpointing in new[] { false, true })
                    {
                        yield return new Recipe(stage, offload != OffloadMode.None, offload == OffloadMode.All, checkpointing, rank, bits);
                    }
                }
            }
        }
    }

    private static RecipeEstimate Judge(
        PlannedModel model, Models.ModelConfig config, TrainingSetup setup, ClusterSpec cluster, Recipe recipe,
        IReadOnlyList<string> loraTargets)
    {
        var variant = setup with
        {
            ZeroStage = recipe.ZeroStage,
            Offload = recipe.Offload,
            GradientCheckpointing = recipe.GradientCheckpointing,
            Lora = recipe.LoraR is { } rank ? new LoraSettings(rank, loraTargets) : null,
            Bits = recipe.Bits,
        };
        var memory = MemoryPlanner.Selected(model, variant);
        bool fits = memory.GpuTotalBytes <= cluster.GpuMemoryGb * MemoryPlan.BytesPerGb
                    && memory.CpuBytesPerNode <= cluster.HostMemoryGbPerNode * MemoryPlan.BytesPerGb;
        var step = StepTimeModel.Estimate(config, variant, memory.Memory, cluster);
        double tokens = (double)setup.MicroBatchSize * setup.SeqLength * setup.GradientAccumulationSteps * setup.NumGpus;
        return new RecipeEstimate(recipe, memory, fits, step, tokens / step.Total, Formula(memory));
    }

    /// <summary>"kind formula = x GB + … + activations + reserve = total GB per GPU", device bytes only.</summary>
    public static string Formula(StageEstimate memory)
    {
        var parts = memory.Memory.Kinds
            .Where(k => k.DeviceBytes > 0)
            .Select(k => $"{Name(k.Kind)} [{k.Formula}] {Gb(k.DeviceBytes)}")
            .Append($"activations {Gb(memory.ActivationBytes)}")
            .Append($"reserve {Gb(memory.ReserveBytes)}");
        return string.Join(" + ", parts) + $" = {Gb(memory.GpuTotalBytes)} GB per GPU; {memory.Memory.Legend}";
    }

    public static string Name(MemoryKind kind) => kind switch
    {
        MemoryKind.Parameters => "parameters",
        MemoryKind.FrozenBase => "frozen base",
        MemoryKind.Gradients => "gradients",
        MemoryKind.Master => "master",
        MemoryKind.Optimizer => "optimizer",
        MemoryKind.Buckets => "buckets",
        _ => "gathered",
    };

    private static string Gb(double bytes) => (bytes / MemoryPlan.BytesPerGb).ToString("0.00", CultureInfo.InvariantCulture);
}
