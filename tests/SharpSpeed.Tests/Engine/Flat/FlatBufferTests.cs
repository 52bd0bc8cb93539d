using SharpSpeed.Engine.Flat;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Flat;

public sealed class FlatBufferTests
{
    private static readonly (string, long[])[] Shapes = [("w1", [3, 5]), ("b1", [3]), ("w2", [2, 3]), ("scale", [])];

    [Fact]
    public void LayoutAlignsParametersAndCutsUnitsIntoBlocksOfEqualChunks()
    {
        var layout = FlatLayout.Create(
            [("u0", Shapes.Take(2)), ("u1", Shapes.Skip(2))], partitions: 3, alignment: 4, blockElements: 12);

        // u0: w1 [0,15) next 16, b1 [16,19) next 20 -> blocks [0,12) and [12,24) (padded to a multiple of 3 x 4);
        // u1 starts at 24: w2 [24,30) next 32, scale [32,33) next 36 -> block [24,36).
        Assert.Equal(new long[] { 0, 16, 24, 32 }, layout.Segments.Select(s => s.Offset));
        Assert.Equal(new[] { 0, 0, 1, 1 }, layout.Segments.Select(s => s.Unit));
        Assert.Equal(new[] { new PartitionRange(0, 12), new PartitionRange(12, 12), new PartitionRange(24, 12) }, layout.Blocks.Select(b => b.Range));
        Assert.Equal(new[] { new PartitionRange(0, 24), new PartitionRange(24, 12) }, layout.Units.Select(u => u.Range));
        Assert.Equal(36, layout.TotalElements);
        Assert.Equal(12, layout.PartitionSize);
        Assert.Equal(25, layout.ParameterElements);

        // Rank 1 owns the second chunk of every block: [4,8), [16,20), [28,32), at 0, 4, 8 of its partition.
        var owned = layout.OwnedChunks(1).ToArray();
        Assert.Equal(new[] { new PartitionRange(4, 4), new PartitionRange(16, 4), new PartitionRange(28, 4) }, owned.Select(c => c.Flat));
        Assert.Equal(new long[] { 0, 4, 8 }, owned.Select(c => c.PartitionOffset));
        var pieces = owned.SelectMany(c => layout.SegmentsIn(c.Flat)).Select(p => (p.Segment.Name, p.Overlap)).ToArray();
        Assert.Equal(new[] { ("w1", new PartitionRange(4, 4)), ("b1", new PartitionRange(16, 3)), ("w2", new PartitionRange(28, 2)) }, pieces);
        // Every parameter element is owned by exactly one rank.
        var covered = Enumerable.Range(0, 3).SelectMany(layout.OwnedChunks).SelectMany(c => layout.SegmentsIn(c.Flat)).Sum(p => p.Overlap.Length);
        Assert.Equal(layout.ParameterElements, covered);
        Assert.Equal(new[] { 0, 1 }, layout.BlocksOf(layout["w1"]).Select(b => b.Index));
    }

    [Fact]
    public void BlocksNeverExceedTheBlockSizeAndNeverCrossUnits()
    {
        var layout = FlatLayout.Create([("a", [("x", new long[] { 100 })]), ("b", [("y", new long[] { 7 })])], partitions: 2, alignment: 16, blockElements: 50);
        // 50 rounds down to the chunk quantum 32: "a" (100, padded to 128) takes four blocks of 32; "b" one.
        Assert.Equal(new long[] { 32, 32, 32, 32, 32 }, layout.Blocks.Select(b => b.Length));
        Assert.Equal(new[] { 0, 0, 0, 0, 1 }, layout.Blocks.Select(b => b.Unit));
    }

    [Fact]
    public void BoundParametersShareTheBuffer()
    {
        using var scope = NewDisposeScope();
        var model = Deterministic.Initialize(nn.Sequential(("l1", nn.Linear(5, 3)), ("act", nn.Tanh()), ("l2", nn.Linear(3, 2))), 1);
        var reference = nn.Sequential(("l1", nn.Linear(5, 3)), ("act", nn.Tanh()), ("l2", nn.Linear(3, 2)));
        reference.load_state_dict(model.state_dict());
        var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToArray();
        var layout = FlatLayout.Create(named.Select(p => (p.name, p.Item2.shape)), partitions: 2, alignment: 4);
        using var weights = new FlatBuffer(layout, ScalarType.Float32);

        weights.BindParameters(named);

        // The module's weights are now the buffer: same values as before binding, and writes show through.
        foreach (var (name, parameter) in reference.named_parameters())
        {
            Assert.True(weights.View(name).allclose(parameter, rtol: 0, atol: 0), name);
        }
        var input = Deterministic.Randn(2, 4, 5);
        Assert.True(model.forward(input).allclose(reference.forward(input), rtol: 0, atol: 0));

        using (no_grad())
        {
            using var half = 0.5f.ToScalar();
            weights.Data.fill_(half);
        }
        Assert.Equal(0.5f, model.named_parameters().First().parameter[0, 0].item<float>());
    }

    [Fact]
    public void BindingRejectsAShapeThatDiffersFromTheLayout()
    {
        var layout = FlatLayout.Create([("w", [2, 2])]);
        using var buffer = new FlatBuffer(layout, ScalarType.Float32);
        using var wrong = nn.Parameter(zeros(3, 2));
        var error = Assert.Throws<ArgumentException>(() => buffer.BindParameters([("w", wrong)]));
        Assert.Equal("parameter \"w\" has shape [3, 2] but the flat layout has [2, 2]", error.Message);
    }
}
