using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpSpeed.Planning;

namespace SharpSpeed.Cli.Commands;

/// <summary>Renders <c>estimate</c>'s recipe list: a table for people, the <c>"recipes"</c> array for programs.</summary>
internal static class RecipeReport
{
    private const int NonFittingShown = 6;

    public static void WriteJson(Utf8JsonWriter json, IReadOnlyList<RecipeEstimate> recipes, ClusterSpec cluster)
    {
        json.WriteNumber("recipes_gpu_memory_gb", cluster.GpuMemoryGb);
        json.WriteNumber("host_memory_gb", cluster.HostMemoryGbPerNode);
        json.WriteStartArray("recipes");
        foreach (var estimate in recipes)
        {
            var recipe = estimate.Recipe;
            json.WriteStartObject();
            json.WriteString("name", recipe.Name);
            json.WriteNumber("zero_stage", recipe.ZeroStage);
            json.WriteBoolean("offload_optimizer", recipe.OffloadOptimizer);
            json.WriteBoolean("offload_param", recipe.OffloadParam);
            json.WriteBoolean("gradient_checkpointing", recipe.GradientCheckpointing);
            if (recipe.LoraR is { } rank)
            {
                json.WriteNumber("lora_r", rank);
            }
            else
            {
                json.WriteNull("lora_r");
            }
            json.WriteNumber("bits", recipe.Bits);
            json.WriteNumber("gb_per_gpu", Math.Round(estimate.GpuBytes / MemoryPlan.BytesPerGb, 3));
            json.WriteNumber("host_gb_per_node", Math.Round(estimate.HostBytesPerNode / MemoryPlan.BytesPerGb, 3));
            json.WriteBoolean("fits", estimate.Fits);
            json.WriteNumber("step_s", Math.Round(estimate.Step.Total, 4));
            json.WriteNumber("tokens_per_s", Math.Round(estimate.TokensPerSecond, 1));
            json.WriteString("formula", estimate.Formula);
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }

    /// <summary>
    /// The fastest fitting recipe of each method (full, LoRA r, QLoRA r) and ZeRO stage, fastest first, each with its
    /// formula; then, for each method, stage and offload that never fits, its smallest variant. --json lists them all.
    /// </summary>
    public static string Table(IReadOnlyList<RecipeEstimate> recipes, ClusterSpec cluster, TrainingSetup setup)
    {
        var text = new StringBuilder();
        text.AppendLine();
        if (recipes.Count == 0)
        {
            text.AppendLine("Recipes: none (they need the model's shape).");
            return text.ToString();
        }
        int fitting = recipes.Count(r => r.Fits);
        text.AppendLine(Invariant($"Recipes on {setup.NumGpus} x {cluster.GpuMemoryGb} GB GPUs, {cluster.HostMemoryGbPerNode} GB host RAM per node ")
                        + Invariant($"(micro-batch {setup.MicroBatchSize} x {setup.SeqLength}, accumulation {setup.GradientAccumulationSteps}): ")
                        + Invariant($"{fitting} of {recipes.Count} fit, fastest first; the fastest of each method and stage:"));
        text.AppendLine("  GB/GPU  host GB/node  step s  tokens/s  recipe");
        var best = recipes.Where(r => r.Fits)
            .GroupBy(r => (r.Recipe.LoraR, r.Recipe.Bits, r.Recipe.ZeroStage))
            .Select(g => g.First())
            .OrderBy(r => r.Step.Total);
        foreach (var estimate in best)
        {
            Row(text, estimate);
        }
        var misses = recipes.Where(r => !r.Fits)
            .GroupBy(r => (r.Recipe.LoraR, r.Recipe.Bits, r.Recipe.ZeroStage, r.Recipe.Offload))
            .Where(g => !recipes.Any(r => r.Fits && (r.Recipe.LoraR, r.Recipe.Bits, r.Recipe.ZeroStage, r.Recipe.Offload) == g.Key))
            .Select(g => g.OrderBy(r => r.GpuBytes).First())
            .OrderBy(r => r.GpuBytes)
            .Take(NonFittingShown)
            .ToList();
        if (misses.Count > 0)
        {
            text.AppendLine(Invariant($"Do not fit even with checkpointing (closest {misses.Count} of {recipes.Count - fitting} that do not fit):"));
            foreach (var estimate in misses)
            {
                Row(text, estimate);
            }
        }
        text.AppendLine("  Step time: serial model (compute at peak x efficiency + collectives + PCIe offload traffic + Adam), for ranking only.");
        return text.ToString();
    }

    private static void Row(StringBuilder text, RecipeEstimate estimate)
    {
        text.AppendLine(Invariant($"  {estimate.GpuBytes / MemoryPlan.BytesPerGb,6:0.0}  {estimate.HostBytesPerNode / MemoryPlan.BytesPerGb,12:0.0}  ")
                        + Invariant($"{estimate.Step.Total,6:0.00}  {estimate.TokensPerSecond,8:0}  {estimate.Recipe.Name}"));
        text.AppendLine("          = " + estimate.Formula);
    }

    private static string Invariant(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);
}
