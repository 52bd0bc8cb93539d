using SharpSpeed.Models;
using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class RecipePlannerTests
{
    // The seed's setup: DeepSeek-LLM-7B on 3 x 24 GB GPUs, bf16, micro-batch 2 x 512 tokens, accumulation 4.
    private static IReadOnlyList<RecipeEstimate> SeedRecipes()
    {
        var setup = new TrainingSetup(3, 1, 2, OffloadMode.None, 2, 512, false, 24, TrainingSetup.DefaultReserveGb,
            CommunicationBuckets.DeepSpeedDefaults) { GradientAccumulationSteps = 4 };
        return RecipePlanner.Plan(PlannedModel.FromConfig(NamedModelConfigs.DeepSeekLlm7B), setup, new ClusterSpec(),
            RecipePlanner.DefaultLoraRanks, LoraSettings.LinearModules);
    }

    private static RecipeEstimate Find(IReadOnlyList<RecipeEstimate> recipes, Recipe recipe) =>
        Assert.Single(recipes, r => r.Recipe == recipe);

    [Fact]
    public void SeedSetupNamesWhatFits()
    {
        var recipes = SeedRecipes();
        Assert.False(Find(recipes, new Recipe(2, false, false, false, null, 16)).Fits);
        Assert.False(Find(recipes, new Recipe(2, false, false, true, null, 16)).Fits);
        Assert.False(Find(recipes, new Recipe(3, false, false, true, null, 16)).Fits);
        Assert.True(Find(recipes, new Recipe(2, true, false, false, null, 16)).Fits);
        Assert.True(Find(recipes, new Recipe(3, true, false, false, null, 16)).Fits);
        Assert.True(Find(recipes, new Recipe(3, true, true, false, null, 16)).Fits);
        Assert.True(Find(recipes, new Recipe(0, false, false, false, 16, 16)).Fits);
        Assert.True(Find(recipes, new Recipe(0, false, false, false, 64, 4)).Fits);
    }

    [Fact]
    public void FittingRecipesComeFirstFastestFirst()
    {
        var recipes = SeedRecipes();
        int fitting = recipes.Count(r => r.Fits);
        Assert.InRange(fitting, 1, recipes.Count - 1);
        Assert.All(recipes.Take(fitting), r => Assert.True(r.Fits));
        var times = recipes.Take(fitting).Select(r => r.Step.Total).ToList();
        Assert.Equal(times.Order(), times);
        // Full: stage 0 (no offload), 1-2 (none, optimizer), 3 (none, optimizer, both) = 8, x checkpointing = 16;
        // the same for LoRA r=16 and r=64 on a 16-bit and a 4-bit base.
        Assert.Equal(16 + 2 * 2 * 16, recipes.Count);
    }

    // Per GPU, every recipe's figure is the sum its formula shows: the layout's device bytes, activations, reserve.
    [Fact]
    public void GbPerGpuIsTheLayoutPlusActivationsAndReserve()
    {
        foreach (var estimate in SeedRecipes())
        {
            var m = estimate.Memory;
            Assert.Equal(m.Memory.DeviceBytes + m.ActivationBytes + m.ReserveBytes, estimate.GpuBytes);
            Assert.Contains($"= {estimate.GpuBytes / 1e9:0.00} GB per GPU", estimate.Formula, StringComparison.Ordinal);
        }
    }

    // QLoRA keeps the 16-bit embeddings and head (2 x V·h x 2 B) and about 0.5 + 0.127/8 B per decoder-linear weight.
    [Fact]
    public void QloraBaseIsFourBitLinearsPlusSixteenBitEmbeddings()
    {
        var config = NamedModelConfigs.DeepSeekLlm7B;
        var layout = ModelStateLayout.PerRank(config, new LayoutSettings
        {
            World = 3, Stage = 0, Lora = new LoraSettings(16, [LoraSettings.AllLinear]), Bits = 4,
        });
        double embeddings = 2 * 102400.0 * 4096;
        double linears = config.ParameterCount() - embeddings - 4096.0 * (2 * 30 + 1);
        double expected = 2 * embeddings + 2 * 4096.0 * 61 + linears * (0.5 + 0.127 / 8) + 2.0 * 11008 * 4096;
        Assert.Equal(expected, layout.Device(MemoryKind.FrozenBase), 0.001 * expected);
        Assert.Equal(0, layout.Device(MemoryKind.Master));
        double adapters = 30 * 16.0 * (4 * 8192 + 3 * (4096 + 11008));
        Assert.Equal(4 * adapters, layout.Device(MemoryKind.Parameters), 0.001 * adapters);
    }
}
