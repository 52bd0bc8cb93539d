using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class ModelStateLayoutTests
{
    private const double Parameters = 6_738_415_616;
    private const double LargestLayer = 131_072_000;

    private static double Gpu(int stage, int gpus, OffloadMode offload) =>
        ModelStateLayout.PerRank(stage, Parameters, gpus, offload, LargestLayer).Sum(c => c.GpuBytes);

    private static double Cpu(int stage, int gpus, OffloadMode offload) =>
        ModelStateLayout.PerRank(stage, Parameters, gpus, offload, LargestLayer).Sum(c => c.CpuBytes);

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(8)]
    public void GpuSideAgreesWithDeepSpeedsEstimatorsForStages2And3(int gpus)
    {
        Assert.Equal(DeepSpeedEstimators.Zero2(Parameters, gpus, 1, false).GpuBytesPerDevice, Gpu(2, gpus, OffloadMode.None), 1.0);
        Assert.Equal(DeepSpeedEstimators.Zero2(Parameters, gpus, 1, true).GpuBytesPerDevice, Gpu(2, gpus, OffloadMode.Optimizer), 1.0);
        Assert.Equal(DeepSpeedEstimators.Zero3(Parameters, LargestLayer, gpus, 1, false, false).GpuBytesPerDevice,
            Gpu(3, gpus, OffloadMode.None), 1.0);
        Assert.Equal(DeepSpeedEstimators.Zero3(Parameters, LargestLayer, gpus, 1, true, false).GpuBytesPerDevice,
            Gpu(3, gpus, OffloadMode.Optimizer), 1.0);
        Assert.Equal(DeepSpeedEstimators.Zero3(Parameters, LargestLayer, gpus, 1, true, true).GpuBytesPerDevice,
            Gpu(3, gpus, OffloadMode.All), 1.0);
    }

    [Fact]
    public void Stage0KeepsEverythingOnEveryGpu()
    {
        // 2 (16-bit params) + 2 (16-bit grads) + 4 (fp32 grads) + 4 (fp32 master) + 8 (Adam) bytes per parameter.
        Assert.Equal(20 * Parameters, Gpu(0, 16, OffloadMode.None), 1.0);
    }

    [Fact]
    public void Stage1PartitionsOnlyTheOptimizerSide()
    {
        Assert.Equal(4 * Parameters + 16 * Parameters / 4, Gpu(1, 4, OffloadMode.None), 1.0);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void OptimizerOffloadMovesTheSixteenOptimizerBytesPerPartitionedParameterToCpu(int stage)
    {
        int gpus = 4;
        Assert.Equal(16 * Parameters / gpus, Cpu(stage, gpus, OffloadMode.Optimizer), 1.0);
        Assert.Equal(0, Cpu(stage, gpus, OffloadMode.None));
    }

    [Fact]
    public void ParameterOffloadAlsoMovesTheSixteenBitPartition()
    {
        int gpus = 4;
        Assert.Equal(18 * Parameters / gpus, Cpu(3, gpus, OffloadMode.All), 1.0);
        Assert.Equal(4 * LargestLayer, Gpu(3, gpus, OffloadMode.All), 1.0);
    }

    [Fact]
    public void UnsupportedCombinationsSayWhy()
    {
        var all = Assert.Throws<ArgumentException>(() => ModelStateLayout.Validate(2, OffloadMode.All));
        Assert.Contains("--zero_stage 3", all.Message);
        Assert.Throws<ArgumentException>(() => ModelStateLayout.Validate(0, OffloadMode.Optimizer));
    }
}
