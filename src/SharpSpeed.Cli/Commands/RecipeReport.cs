using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpSpeed.Planning;

namespace SharpSpeed.Cli.Commands;

/// <summary>Renders <c>estimate</c>'s recipe list: a table for people, the <c>"recipes"</c> array for programs.</summary>
internal static class RecipeReport
{
    private const int NonFittingShown = 5;

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

    public static string Table(IReadOnlyList<RecipeEstimate> recipes, ClusterSpec cluster, TrainingSetup setup)
    {
        var text = new StringBuilder();
        text.AppendLine();
        if (recipes.Count == 0)
        {
            text.AppendLine("Recipes: none (they need the model's shape).");
            return text.ToString();
        }
        var fitting = recipes.Where(r => r.Fits).ToList();
        text.AppendLine(Invariant($"Recipes on {setup.NumGpus} x {cluster.GpuMemoryGb} GB GPUs, {cluster.HostMemoryGbPerNode} GB host RAM per node ")
                        + Invariant($"(micro-batch {setup.MicroBatchSize} x {setup.SeqLength}, accumulation {setup.GradientAccumulationSteps}): ")
                        + Invariant($"{fitting.Count} of {recipes.Count} fit, fastest first"));
        text.AppendLine("  GB/GPU  host GB/node  step s  tokens/s  recipe");
        foreach (var estimate in fitting)
        {
            Row(text, estimate);
        }
        var rest = recipes.Where(r => !r.Fits).Take(NonFittingShown).ToList();
        if (rest.Count > 0)
        {
            text.AppendLine(Invariant($"Closest that do not fit ({recipes.Count - fitting.Count} in all):"));
            foreach (var estimate in rest)
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
