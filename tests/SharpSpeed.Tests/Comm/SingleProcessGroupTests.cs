using SharpSpeed.Comm;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Comm;

/// <summary>A world of one: collectives are identities, and tensors the backends cannot take are refused by name.</summary>
public sealed class SingleProcessGroupTests
{
    [Theory]
    [InlineData(ReduceOp.Sum)]
    [InlineData(ReduceOp.Avg)]
    [InlineData(ReduceOp.Max)]
    public void AllReduceOfOneRankLeavesTheTensor(ReduceOp op)
    {
        using var scope = NewDisposeScope();
        using var group = new SingleProcessGroup();
        var values = new float[] { 1.5f, -2f, 3.25f };
        var tensor = torch.tensor(values);
        group.AllReduce(tensor, op);
        group.AllReduceAsync(tensor, op).Wait();
        Assert.Equal(values, tensor.data<float>().ToArray());
        Assert.Equal((0, 1, 0, 1), (group.Rank, group.WorldSize, group.LocalRank, group.LocalWorldSize));
    }

    [Fact]
    public void ReduceScatterAndAllGatherCopyTheOnlyChunk()
    {
        using var scope = NewDisposeScope();
        using var group = new SingleProcessGroup();
        var input = torch.tensor(new long[] { 4, 5, 6 });
        var output = zeros(3, ScalarType.Int64);
        group.ReduceScatter(input, output);
        Assert.Equal(new long[] { 4, 5, 6 }, output.data<long>().ToArray());
        var gathered = zeros(3, ScalarType.Int64);
        group.AllGatherAsync(output, gathered).Wait();
        Assert.Equal(new long[] { 4, 5, 6 }, gathered.data<long>().ToArray());
        group.Broadcast(gathered, root: 0);
        group.Barrier();
    }

    [Fact]
    public void RefusesNonContiguousTensors()
    {
        using var scope = NewDisposeScope();
        using var group = new SingleProcessGroup();
        var transposed = ones(2, 3).t();
        var error = Assert.Throws<ArgumentException>(() => group.AllReduce(transposed));
        Assert.Contains("all_reduce", error.Message);
        Assert.Contains("not contiguous", error.Message);
    }

    [Fact]
    public void RefusesUnsupportedTypesAndAvgOfIntegers()
    {
        using var scope = NewDisposeScope();
        using var group = new SingleProcessGroup();
        Assert.Contains("float64", Assert.Throws<ArgumentException>(() => group.AllReduce(ones(2, ScalarType.Float64))).Message,
            StringComparison.OrdinalIgnoreCase);
        Assert.Contains("avg needs a floating-point tensor",
            Assert.Throws<ArgumentException>(() => group.AllReduce(ones(2, ScalarType.Int64), ReduceOp.Avg)).Message);
    }

    [Fact]
    public void RefusesChunksThatDoNotSplitEqually()
    {
        using var scope = NewDisposeScope();
        using var group = new SingleProcessGroup();
        var error = Assert.Throws<ArgumentException>(() => group.AllGather(ones(2), ones(3)));
        Assert.Contains("all_gather: the output tensor has 3 elements but must have world size (1) x the input tensor's 2", error.Message);
        Assert.Contains("bfloat16",
            Assert.Throws<ArgumentException>(() => group.ReduceScatter(ones(2), ones(2, ScalarType.BFloat16))).Message,
            StringComparison.OrdinalIgnoreCase);
        Assert.Throws<ArgumentOutOfRangeException>(() => group.Broadcast(ones(2), root: 1));
    }
}
