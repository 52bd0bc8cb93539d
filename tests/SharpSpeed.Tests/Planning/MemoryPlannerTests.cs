using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class MemoryPlannerTests
{
    private static TrainingSetup Setup(int gpus, int stage, OffloadMode offload, double? gpuGb, bool checkpointing = false) =>
        new(gpus, 1, stage, offload, MicroBatchSize: 2, SeqLength: 512, checkpointing, gpuGb,
            TrainingSetup.DefaultReserveGb, CommunicationBuckets.DeepSpeedDefaults);

    /// <summary>Closed form of everything the planner counts for a LLaMA shape, written out independently.</summary>
    private static double ExpectedTotal(ModelShape m, double modelStateBytes, int stage, bool checkpointing)
    {
        double b = 2, s = 512, tokens = b * s, h = m.HiddenSize, layers = m.NumLayers;
        double layer = 2 * tokens * (10 * h + 4 * m.IntermediateSize + 2) + 4 * m.NumHeads * tokens;
        double decoder = checkpointing ? layers * 2 * tokens * h + layer : layers * layer;
        double activations = decoder + 2 * tokens * (3 * h + 1) + 8 * tokens * m.VocabSize;
        double buckets = stage == 3 ? 2 * (5e8 + 5e7) : 2 * (5e8 + 5e8);
        return modelStateBytes + activations + buckets + 1e9;
    }

    // The seed: DeepSeek-LLM-7B, 3 GPUs of 24 GB, ZeRO-2, fp16, micro-batch 2, sequence 512.
    [Fact]
    public void SeedSetupVerdictFollowsTheFormulas()
    {
        var shape = NamedModelShapes.DeepSeekLlm7B;
        double psi = shape.Parameters;
        var plan = MemoryPlanner.Plan(PlannedModel.FromShape(shape), Setup(3, 2, OffloadMode.None, 24));

        double zero2 = ExpectedTotal(shape, 2 * psi + 18 * psi / 3, 2, checkpointing: false);
        Assert.Equal(zero2, plan.Selected.GpuTotalBytes, 1e3);
        Assert.Equal(zero2 <= 24e9, plan.Fits);
        Assert.False(plan.Fits);

        // Optimizer offload keeps only the 16-bit parameters on the GPU (2 bytes per parameter).
        double offloaded = ExpectedTotal(shape, 2 * psi, 2, checkpointing: false);
        string offloadLine = Assert.Single(plan.Advice, line => line.StartsWith("offload the optimizer", StringComparison.Ordinal));
        Assert.Contains($"{offloaded / 1e9:0.0} GB per GPU", offloadLine, StringComparison.Ordinal);
        Assert.Contains(offloaded <= 24e9 ? "fits" : "still", offloadLine, StringComparison.Ordinal);

        double zero3 = ExpectedTotal(shape, 18 * psi / 3 + 4 * shape.LargestLayerParameters, 3, checkpointing: false);
        string zero3Line = Assert.Single(plan.Advice, line => line.StartsWith("ZeRO-3", StringComparison.Ordinal));
        Assert.Contains($"{zero3 / 1e9:0.0} GB per GPU", zero3Line, StringComparison.Ordinal);
        Assert.Contains(zero3 <= 24e9 ? "fits" : "still", zero3Line, StringComparison.Ordinal);
    }

    [Fact]
    public void AdviceLinesAgreeWithReplanningTheChange()
    {
        var model = PlannedModel.FromShape(NamedModelShapes.DeepSeekLlm7B);
        var setup = Setup(3, 2, OffloadMode.None, 24);
        var plan = MemoryPlanner.Plan(model, setup);
        var checkpointed = MemoryPlanner.Plan(model, setup with { GradientCheckpointing = true });
        string line = Assert.Single(plan.Advice, l => l.StartsWith("activation checkpointing", StringComparison.Ordinal));
        Assert.Contains($"{checkpointed.Selected.GpuTotalBytes / 1e9:0.0} GB per GPU", line, StringComparison.Ordinal);
        Assert.True(checkpointed.Selected.GpuTotalBytes < plan.Selected.GpuTotalBytes);
    }

    [Fact]
    public void FittingSetupHasNoAdvice()
    {
        var model = PlannedModel.FromShape(ModelShape.FromDimensions(64, 2, 4, 4, 176, 100, false));
        var plan = MemoryPlanner.Plan(model, Setup(2, 2, OffloadMode.None, 80));
        Assert.True(plan.Fits);
        Assert.Empty(plan.Advice);
    }

    [Fact]
    public void NoGpuMemoryMeansNoVerdict()
    {
        var plan = MemoryPlanner.Plan(new PlannedModel(7.5e9, null, null), Setup(64, 2, OffloadMode.None, null));
        Assert.Null(plan.Fits);
        Assert.Contains(plan.Notes, n => n.Contains("activations are not counted", StringComparison.Ordinal));
    }

    [Fact]
    public void HopelessSetupGetsCombinedAndMoreGpuAdvice()
    {
        // 70B on one 24 GB GPU: no single change fits; the combination and the GPU count are computed.
        var model = PlannedModel.FromShape(ModelShape.FromDimensions(8192, 80, 64, 8, 28672, 32000, false));
        var plan = MemoryPlanner.Plan(model, Setup(1, 2, OffloadMode.None, 24));
        Assert.False(plan.Fits);
        Assert.Contains(plan.Advice, l => l.StartsWith("combined:", StringComparison.Ordinal)
                                          || l.StartsWith("even with all of:", StringComparison.Ordinal));
    }

    [Fact]
    public void StageRowsShowOnlyOffloadsThatStageSupports()
    {
        var model = PlannedModel.FromShape(NamedModelShapes.DeepSeekLlm7B);
        var plan = MemoryPlanner.Plan(model, Setup(4, 3, OffloadMode.All, 24));
        Assert.Equal(
            new[] { OffloadMode.None, OffloadMode.Optimizer, OffloadMode.Optimizer, OffloadMode.All },
            plan.Stages.Select(s => s.Offload));
        Assert.Null(plan.Stages[0].DeepSpeed);
        Assert.Null(plan.Stages[1].DeepSpeed);
    }
}
