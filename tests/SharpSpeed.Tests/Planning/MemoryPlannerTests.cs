using SharpSpeed.Models;
using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class MemoryPlannerTests
{
    private static readonly ModelConfig DeepSeek = NamedModelConfigs.DeepSeekLlm7B;

    private static TrainingSetup Setup(int gpus, int stage, OffloadMode offload, double? gpuGb, bool checkpointing = false) =>
        new(gpus, 1, stage, offload, MicroBatchSize: 2, SeqLength: 512, checkpointing, gpuGb,
            TrainingSetup.DefaultReserveGb, CommunicationBuckets.DeepSpeedDefaults);

    /// <summary>Activations of a LLaMA config at b=2, s=512, written out independently of ActivationMemory.</summary>
    private static double Activations(ModelConfig m)
    {
        double tokens = 2 * 512, h = m.HiddenSize;
        double layer = 2 * tokens * (10 * h + 4 * m.IntermediateSize + 2) + 4 * m.NumAttentionHeads * tokens;
        return m.NumHiddenLayers * layer + 2 * tokens * (3 * h + 1) + 8 * tokens * m.VocabSize;
    }

    // The seed: DeepSeek-LLM-7B, 3 GPUs of 24 GB, ZeRO-2, bf16, micro-batch 2, sequence 512. ZeRO-2 keeps 2Ψ bf16
    // parameters, and per rank the fp32 gradient partition, master and moments (16Ψ/3), plus one reduce bucket holding
    // the largest block (the embedding, V·h elements in bf16).
    [Fact]
    public void SeedSetupVerdictFollowsTheFormulas()
    {
        double psi = DeepSeek.ParameterCount(), embedding = 102400.0 * 4096;
        var plan = MemoryPlanner.Plan(PlannedModel.FromConfig(DeepSeek), Setup(3, 2, OffloadMode.None, 24));

        double zero2 = 2 * psi + 16 * psi / 3 + 2 * embedding + Activations(DeepSeek) + 1e9;
        Assert.Equal(zero2, plan.Selected.GpuTotalBytes, 1e-4 * zero2);
        Assert.False(plan.Fits);

        double offloaded = 2 * psi + 2 * embedding + Activations(DeepSeek) + 1e9;
        string offloadLine = Assert.Single(plan.Advice, line => line.StartsWith("offload the optimizer", StringComparison.Ordinal));
        Assert.Contains($"{offloaded / 1e9:0.0} GB per GPU, fits", offloadLine, StringComparison.Ordinal);
    }

    [Fact]
    public void AdviceLinesAgreeWithReplanningTheChange()
    {
        var model = PlannedModel.FromConfig(DeepSeek);
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
        var model = PlannedModel.FromConfig(TestConfigs.Llama(64, 2, 4, 4, 176, 100));
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
        var model = PlannedModel.FromConfig(TestConfigs.Llama(8192, 80, 64, 8, 28672, 32000));
        var plan = MemoryPlanner.Plan(model, Setup(1, 2, OffloadMode.None, 24));
        Assert.False(plan.Fits);
        Assert.Contains(plan.Advice, l => l.StartsWith("combined:", StringComparison.Ordinal)
                                          || l.StartsWith("even with all of:", StringComparison.Ordinal));
    }

    [Fact]
    public void StageRowsShowOnlyOffloadsThatStageSupports()
    {
        var plan = MemoryPlanner.Plan(PlannedModel.FromConfig(DeepSeek), Setup(4, 3, OffloadMode.All, 24));
        Assert.Equal(
            new[] { OffloadMode.None, OffloadMode.Optimizer, OffloadMode.Optimizer, OffloadMode.All },
            plan.Stages.Select(s => s.Offload));
        Assert.Null(plan.Stages[0].DeepSpeed);
        Assert.Null(plan.Stages[1].DeepSpeed);
    }
}
