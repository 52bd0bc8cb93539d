using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class ZeroPaperMemoryTests
{
    // ZeRO paper (Rajbhandari et al. 2020), Figure 1: Psi = 7.5B, N_d = 64, K = 12 gives 120 GB, 31.4 GB,
    // 16.6 GB and 1.9 GB per device for the baseline, P_os, P_os+g and P_os+g+p (one decimal, GB = 1e9 bytes).
    [Theory]
    [InlineData(0, 120.0)]
    [InlineData(1, 31.4)]
    [InlineData(2, 16.6)]
    [InlineData(3, 1.9)]
    public void ReproducesFigure1(int stage, double paperGb)
    {
        double bytes = ZeroPaperMemory.BytesPerGpu(stage, 7.5e9, 64);
        Assert.Equal(paperGb, Math.Round(bytes / 1e9, 1, MidpointRounding.AwayFromZero), 6);
    }

    // Table 1 of the paper, 1T parameters on 1024 GPUs: P_os+g+p needs 15.6 GB per device (16 * 1e12 / 1024).
    [Fact]
    public void ReproducesTable1TrillionParameterRow()
    {
        double bytes = ZeroPaperMemory.BytesPerGpu(3, 1e12, 1024);
        Assert.Equal(15.6, Math.Round(bytes / 1e9, 1), 6);
    }

    [Fact]
    public void OneGpuMeansNoPartitioning()
    {
        for (int stage = 0; stage <= 3; stage++)
        {
            Assert.Equal(16 * 1e9, ZeroPaperMemory.BytesPerGpu(stage, 1e9, 1), 3);
        }
    }
}
