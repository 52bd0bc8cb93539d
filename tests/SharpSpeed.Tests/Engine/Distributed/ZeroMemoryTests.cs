using System.Text.Json;
using SharpSpeed.Tests.EngineParity;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// Per-rank bytes of the parity runs against the ZeRO paper's model-state formulas (Rajbhandari et al. 2020, Figure 1):
/// with Psi parameters (here the padded flat size), mixed precision keeps 2 Psi of 16-bit parameters, 2 Psi of 16-bit
/// gradients and K Psi = 12 Psi of optimizer states (fp32 master 4 Psi + Adam moments 8 Psi); ZeRO-1 divides the
/// 12 Psi by N, ZeRO-2 the gradients too. SharpSpeed's ZeRO-2 accumulates its gradient partition in fp32, so its
/// gradient term is 4 Psi / N instead of the paper's 2 Psi / N; buckets are counted on their own.
/// </summary>
[Collection(EngineParityGroup.Name)]
public sealed class ZeroMemoryTests(EngineParityFixture fixture)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void OptimizerStatesAndGradientsShrinkAsTheZeroPaperSays(int world)
    {
        var stage0 = Memory(world, "s0-a1-fp32");
        var stage1 = Memory(world, "s1-a1-fp32");
        var stage2 = Memory(world, "s2-a1-fp32");
        var psi = stage0.Psi;
        Assert.Equal(0, psi % world);
        Assert.True(psi >= stage0.ParameterElements && psi < stage0.ParameterElements + 16 * world * (stage0.Tensors + 1));

        // fp32: parameters are the master copy; Adam's two moments are 8 Psi, or 8 Psi / N when partitioned.
        Assert.Equal(4 * psi, stage0.Bytes("Parameters"));
        Assert.Equal(8 * psi, stage0.Bytes("OptimizerStates"));
        Assert.Equal(8 * psi / world, stage1.Bytes("OptimizerStates"));
        Assert.Equal(8 * psi / world, stage2.Bytes("OptimizerStates"));
        Assert.Equal(4 * psi, stage0.Bytes("Gradients"));
        Assert.Equal(4 * psi / world, stage2.Bytes("Gradients"));
        Assert.Equal(4 * psi, stage2.Bytes("TransientGradients"));

        // Buckets: reduce_bucket_size + allgather_bucket_size elements, rounded down to a multiple of N.
        var buckets = (1000 / world + 1500 / world) * world * 4L;
        Assert.Equal(buckets, stage2.Bytes("Buckets"));
        Assert.Equal(0, stage0.Bytes("Buckets")); // DDP buckets are ranges of the gradient buffer itself
    }

    [Theory]
    [InlineData(2, "s1-a1-fp32-big")]
    [InlineData(3, "s2-a4-fp32-big")]
    public void BucketsAsLargeAsThePartitionCostNoExtraMemory(int world, string run)
    {
        var memory = Memory(world, run);
        Assert.Equal(0, memory.Bytes("Buckets"));
        Assert.Equal(8 * memory.Psi / world, memory.Bytes("OptimizerStates"));
    }

    [Fact]
    public void MixedPrecisionModelStatesFollowKEquals12()
    {
        const int world = 2;
        var stage2 = Memory(world, "s2-a4-bf16");
        var psi = stage2.Psi;
        Assert.Equal(2 * psi, stage2.Bytes("Parameters"));
        Assert.Equal(12 * psi / world, stage2.Bytes("MasterWeights") + stage2.Bytes("OptimizerStates"));
        Assert.Equal(4 * psi / world, stage2.Bytes("Gradients"));
        var stage1 = Memory(3, "s1-a4-bf16");
        Assert.Equal(12 * stage1.Psi / 3, stage1.Bytes("MasterWeights") + stage1.Bytes("OptimizerStates"));
        // ZeRO-1 keeps the 16-bit gradients whole (2 Psi) and its fp32 partition of them (4 Psi / N).
        Assert.Equal(2 * stage1.Psi + 4 * stage1.Psi / 3, stage1.Bytes("Gradients"));
    }

    private RankMemory Memory(int world, string run)
    {
        var reports = fixture.RawReports(world);
        var rank0 = reports[0].GetProperty("runs").GetProperty(run);
        foreach (var other in reports.Skip(1))
        {
            Assert.Equal(rank0.GetProperty("memory").ToString(), other.GetProperty("runs").GetProperty(run).GetProperty("memory").ToString());
        }
        return new RankMemory(rank0.GetProperty("memory"), rank0.GetProperty("total_elements").GetInt64(),
            rank0.GetProperty("parameter_elements").GetInt64(), rank0.GetProperty("names").GetArrayLength());
    }

    private sealed record RankMemory(JsonElement Account, long Psi, long ParameterElements, int Tensors)
    {
        public long Bytes(string kind) => Account.GetProperty(kind).GetInt64();
    }
}
