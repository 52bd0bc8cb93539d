using System.Text.Json;
using SharpSpeed.Tests.EngineParity;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// Per-rank bytes of the parity runs (the engine's ledger of the tensors it really holds, at their high-water marks)
/// against the ZeRO paper's model-state formulas (Rajbhandari et al. 2020, Figure 1): with Psi parameters (here the
/// padded flat size of each run), mixed precision keeps 2 Psi of 16-bit parameters, 2 Psi of 16-bit gradients and
/// K Psi = 12 Psi of optimizer states (fp32 master 4 Psi + Adam moments 8 Psi); ZeRO-1 divides the 12 Psi by N, ZeRO-2
/// the gradients too, ZeRO-3 the parameters too. SharpSpeed accumulates the gradient partition in fp32, so its
/// partitioned gradient term is 4 Psi / N instead of the paper's 2 Psi / N; gradient buckets and gathered ZeRO-3
/// units are transient and counted at their peak.
/// </summary>
[Collection(EngineParityGroup.Name)]
public sealed class ZeroMemoryTests(EngineParityFixture fixture)
{
    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void Fp32StatesShrinkAsTheZeroPaperSays(int world)
    {
        var stage0 = Memory(world, "s0-a1-fp32");
        var stage1 = Memory(world, "s1-a1-fp32");
        var stage2 = Memory(world, "s2-a1-fp32");
        var stage3 = Memory(world, "s3-a1-fp32");
        Assert.True(stage0.Psi >= stage0.ParameterElements && stage0.Psi < stage0.ParameterElements + 16 * (stage0.Tensors + 1));

        // Stage 0 fp32: the parameters are the master copy and the gradient buffer the fp32 gradients.
        Assert.Equal(4 * stage0.Psi, stage0.Bytes("Parameters"));
        Assert.Equal(0, stage0.Bytes("MasterWeights"));
        Assert.Equal(8 * stage0.Psi, stage0.Bytes("OptimizerStates"));
        Assert.Equal(4 * stage0.Psi, stage0.Bytes("Gradients"));
        Assert.Equal(0, stage0.Bytes("Buckets")); // DDP buckets are ranges of the gradient buffer itself

        foreach (var partitioned in new[] { stage1, stage2, stage3 })
        {
            Assert.Equal(0, partitioned.Psi % (16 * world));
            Assert.Equal(8 * partitioned.Psi / world, partitioned.Bytes("OptimizerStates"));
        }
        // Stage 1: the whole gradient buffer stays, plus this rank's fp32 partition; the master is the partition.
        Assert.Equal(4 * stage1.Psi, stage1.Bytes("Parameters"));
        Assert.Equal(4 * stage1.Psi / world, stage1.Bytes("MasterWeights"));
        Assert.Equal(4 * stage1.Psi + 4 * stage1.Psi / world, stage1.Bytes("Gradients"));
        Assert.Equal(0, stage1.Bytes("Buckets"));

        // Stage 2: no full gradient buffer at any moment, only the partition and the buckets of blocks in flight.
        Assert.Equal(4 * stage2.Psi / world, stage2.Bytes("Gradients"));
        Assert.InRange(stage2.Bytes("Buckets"), 1, 4 * stage2.Psi / 2);
        Assert.True(stage2.Bytes("Gradients") + stage2.Bytes("Buckets") < stage0.Bytes("Gradients"),
            $"ZeRO-2 gradient bytes {stage2.Bytes("Gradients") + stage2.Bytes("Buckets")} must be below stage 0's {stage0.Bytes("Gradients")}");

        // Stage 3 fp32: the parameter partition is the master; gathered units (here an embedding and one layer of
        // two, prefetching capped by stage3_max_live_parameters) come and go below the full model.
        Assert.Equal(0, stage3.Bytes("MasterWeights"));
        Assert.Equal(4 * stage3.Psi / world, stage3.Bytes("Gradients"));
        var gathered = stage3.Bytes("Parameters") - 4 * stage3.Psi / world;
        Assert.InRange(gathered, 1, 4 * stage3.Psi - 1); // units come and go: never the whole model at once
        Assert.True(stage3.Bytes("Peak") < stage2.Bytes("Peak"), "ZeRO-3 must hold less at its peak than ZeRO-2");
    }

    [Fact]
    public void BucketsAsLargeAsThePartitionCostNoExtraMemoryAtStageOne()
    {
        var memory = Memory(2, "s1-a1-fp32-big");
        Assert.Equal(0, memory.Bytes("Buckets"));
        Assert.Equal(8 * memory.Psi / 2, memory.Bytes("OptimizerStates"));
    }

    [Fact]
    public void MixedPrecisionModelStatesFollowKEquals12()
    {
        var stage2 = Memory(2, "s2-a4-bf16");
        Assert.Equal(2 * stage2.Psi, stage2.Bytes("Parameters"));
        Assert.Equal(12 * stage2.Psi / 2, stage2.Bytes("MasterWeights") + stage2.Bytes("OptimizerStates"));
        Assert.Equal(4 * stage2.Psi / 2, stage2.Bytes("Gradients"));
        var stage1 = Memory(3, "s1-a4-bf16");
        Assert.Equal(12 * stage1.Psi / 3, stage1.Bytes("MasterWeights") + stage1.Bytes("OptimizerStates"));
        // ZeRO-1 keeps the 16-bit gradients whole (2 Psi) and its fp32 partition of them (4 Psi / N).
        Assert.Equal(2 * stage1.Psi + 4 * stage1.Psi / 3, stage1.Bytes("Gradients"));
        var stage3 = Memory(2, "s3-a2-bf16");
        Assert.Equal(12 * stage3.Psi / 2, stage3.Bytes("MasterWeights") + stage3.Bytes("OptimizerStates"));
        Assert.InRange(stage3.Bytes("Parameters") - 2 * stage3.Psi / 2, 1, 2 * stage3.Psi - 1);
    }

    [Theory]
    [InlineData(2, "s2-a2-fp32-offopt")]
    [InlineData(2, "s3-a2-fp32-offopt-offparam")]
    [InlineData(3, "s3-a2-fp32-overlap-offopt-offparam")]
    public void OffloadMovesStatesToHostMemory(int world, string run)
    {
        var memory = Memory(world, run);
        // Host memory holds the fp32 master partition (at stage 3 with offload_param in fp32: the parameter partition
        // itself), Adam's two moments and the fp32 gradient partition: 16 Psi / N.
        Assert.Equal(16 * memory.Psi / world, memory.Bytes("HostResident"));
        Assert.True(memory.Bytes("DevicePeak") <= memory.Bytes("Peak") - memory.Bytes("HostResident"),
            $"device peak {memory.Bytes("DevicePeak")} must leave out the {memory.Bytes("HostResident")} offloaded bytes");
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
