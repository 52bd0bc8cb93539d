using SharpSpeed.Models;
using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class ModelStateLayoutTests
{
    private static readonly ModelConfig DeepSeek = NamedModelConfigs.DeepSeekLlm7B;
    private static readonly double Psi = DeepSeek.ParameterCount();

    private static RankMemory Layout(int world, int stage, bool offloadOptimizer = false, bool offloadParam = false, bool? overlap = null) =>
        ModelStateLayout.PerRank(DeepSeek, new LayoutSettings
        {
            World = world, Stage = stage, OffloadOptimizer = offloadOptimizer, OffloadParam = offloadParam, OverlapComm = overlap,
        });

    // ZeRO paper (Rajbhandari et al. 2020, sec. 5): 2Ψ parameters + 2Ψ gradients + KΨ optimizer (K = 12: fp32 master 4 +
    // Adam moments 8); stage 1 divides KΨ by N, stage 2 the gradients too, stage 3 everything. Block padding is at most
    // world x 16 elements per unit and 15 per parameter, so the layout may exceed Ψ by under 1e-5 relatively.
    [Theory]
    [InlineData(0, 3)]
    [InlineData(1, 3)]
    [InlineData(2, 3)]
    [InlineData(3, 3)]
    [InlineData(1, 64)]
    [InlineData(3, 64)]
    public void KindsMatchThePapersTerms(int stage, int world)
    {
        var layout = Layout(world, stage);
        double n = world;
        double paperParameters = stage == 3 ? 2 * Psi / n : 2 * Psi;
        double paperOptimizer = stage == 0 ? 12 * Psi : 12 * Psi / n;
        AssertClose(paperParameters, layout.Device(MemoryKind.Parameters));
        AssertClose(paperOptimizer, layout.Device(MemoryKind.Master) + layout.Device(MemoryKind.Optimizer));
        AssertClose(stage == 0 ? 4 * Psi : 4 * Psi / n, layout.Device(MemoryKind.Master));

        // Gradients: the paper's 2Ψ 16-bit buffer at stages 0-1; the engine also keeps fp32 gradients for the fp32
        // master's step: all of them at stage 0 (4Ψ), the rank's partition from stage 1 (4Ψ/N), which replaces the
        // paper's 2Ψ/N 16-bit partition at stages 2-3.
        double expectedGradients = stage switch
        {
            0 => 2 * Psi + 4 * Psi,
            1 => 2 * Psi + 4 * Psi / n,
            _ => 4 * Psi / n,
        };
        AssertClose(expectedGradients, layout.Device(MemoryKind.Gradients));
        double paperTotal = ZeroPaperMemory.BytesPerGpu(stage, Psi, world);
        double paperGradients = stage <= 1 ? 2 * Psi : 2 * Psi / n;
        AssertClose(paperTotal - paperGradients + expectedGradients,
            layout.DeviceBytes - layout.Device(MemoryKind.Buckets) - layout.Device(MemoryKind.GatheredParameters));
    }

    // DeepSpeed's estimate_zero3_model_states_mem_needs: 4·largest_layer + 18Ψ/N (no offload). The layout holds the same
    // 18Ψ/N and, for the working set, two gathered units (the next one prefetched) and two gradient buckets in flight
    // (overlap_comm) where DeepSpeed's formula counts one layer's 16-bit parameters and gradients. For DeepSeek-LLM-7B
    // the largest unit is the embedding, DeepSpeed's largest layer too, so the difference is exactly 2 x 2 B x V·h.
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Zero3IsWithinFivePercentOfDeepSpeedsEstimator(int world)
    {
        long largest = ModelUnits.LargestModuleElements(DeepSeek);
        Assert.Equal(102400L * 4096, largest);
        double deepSpeed = DeepSpeedEstimators.Zero3(Psi, largest, world, 1, cpuOffload: false, cpuOffloadParams: false).GpuBytesPerDevice;
        double layout = Layout(world, 3).DeviceBytes;
        Assert.InRange(layout / deepSpeed, 1.0, 1.05);
    }

    [Theory]
    [InlineData(3, false, false)]
    [InlineData(8, false, false)]
    [InlineData(8, true, false)]
    [InlineData(8, true, true)]
    public void Zero3DiffersFromDeepSpeedsEstimatorByThePrefetchedUnitAndSecondBucket(int world, bool offloadOptimizer, bool offloadParam)
    {
        long largest = ModelUnits.LargestModuleElements(DeepSeek);
        double deepSpeed = DeepSpeedEstimators.Zero3(Psi, largest, world, 1, offloadOptimizer, offloadParam).GpuBytesPerDevice;
        double layout = Layout(world, 3, offloadOptimizer, offloadParam).DeviceBytes;
        double persistentFinalNorm = 2.0 * 4096;
        Assert.Equal(2 * 2.0 * largest + persistentFinalNorm, layout - deepSpeed, 0.0001 * deepSpeed);
    }

    [Fact]
    public void OptimizerOffloadMovesMasterMomentsAndFp32GradientsToTheHost()
    {
        var layout = Layout(3, 2, offloadOptimizer: true);
        AssertClose(16 * Psi / 3, layout.HostBytes);
        Assert.Equal(0, layout.Device(MemoryKind.Master) + layout.Device(MemoryKind.Optimizer) + layout.Device(MemoryKind.Gradients));
        // DeepSpeed's estimate_zero2_model_states_mem_needs with cpu_offload: 2Ψ on the GPU.
        AssertClose(DeepSpeedEstimators.Zero2(Psi, 3, 1, cpuOffload: true).GpuBytesPerDevice, layout.Device(MemoryKind.Parameters));
        // One reduce bucket (overlap_comm off by default below stage 3): the largest block, the embedding, in bf16,
        // padded to a multiple of world x 16 = 48 elements.
        Assert.Equal(2.0 * 102400 * 4096, layout.Device(MemoryKind.Buckets), 2.0 * 48);
        Assert.Equal(2 * 2.0 * 102400 * 4096, Layout(3, 2, offloadOptimizer: true, overlap: true).Device(MemoryKind.Buckets), 4.0 * 48);
    }

    [Fact]
    public void ParameterOffloadMovesTheStage3PartitionToTheHost()
    {
        var layout = Layout(3, 3, offloadOptimizer: true, offloadParam: true);
        AssertClose(18 * Psi / 3, layout.HostBytes);
        Assert.Equal(0, layout.Device(MemoryKind.Parameters));
        Assert.True(layout.Device(MemoryKind.GatheredParameters) > 0);
    }

    [Fact]
    public void Fp32TrainingHasASeparateMasterOnlyWhereThePartitionIsStrided()
    {
        AssertFp32Layout(0, master: 0);
        AssertFp32Layout(2, master: 4 * Psi / 2); // a rank's chunks of every block: a copy
        AssertFp32Layout(3, master: 0); // the fp32 parameter partition is the master
    }

    private static void AssertFp32Layout(int stage, double master)
    {
        var layout = ModelStateLayout.PerRank(DeepSeek, new LayoutSettings { World = 2, Stage = stage, Dtype = TrainingDtype.Fp32 });
        AssertClose(master, layout.Device(MemoryKind.Master));
        AssertClose(stage == 3 ? 4 * Psi / 2 : 4 * Psi, layout.Device(MemoryKind.Parameters));
    }

    [Fact]
    public void UnsupportedOffloadIsRefusedNamingTheSetting()
    {
        var stage0 = Assert.Throws<ArgumentException>(() =>
            ModelStateLayout.PerRank(DeepSeek, new LayoutSettings { World = 2, Stage = 0, OffloadOptimizer = true }));
        Assert.Contains("offload_optimizer", stage0.Message);
        var stage2 = Assert.Throws<ArgumentException>(() =>
            ModelStateLayout.PerRank(DeepSeek, new LayoutSettings { World = 2, Stage = 2, OffloadParam = true }));
        Assert.Contains("offload_param", stage2.Message);
    }

    private static void AssertClose(double expected, double actual) =>
        Assert.True(Math.Abs(actual - expected) <= 1e-5 * Math.Abs(expected) + 64,
            $"expected {expected:E6}, got {actual:E6}");
}
