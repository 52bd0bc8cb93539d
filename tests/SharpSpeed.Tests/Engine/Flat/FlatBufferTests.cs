using SharpSpeed.Engine.Flat;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Flat;

public sealed class FlatBufferTests
{
    private static readonly (string, long[])[] Shapes = [("w1", [3, 5]), ("b1", [3]), ("w2", [2, 3]), ("scale", [])];

    [Fact]
    public void LayoutAlignsParametersAndSplitsIntoEqualPartitions()
    {
        var layout = FlatLayout.Create(Shapes, partitions: 3, alignment: 4);

        // 15 -> [0,15) next at 16; 3 -> [16,19) next 20; 6 -> [20,26) next 28; 1 -> [28,29) next 32;
        // 32 rounded up to a multiple of 3 * 4 = 12 is 36.
        Assert.Equal(new long[] { 0, 16, 20, 28 }, layout.Segments.Select(s => s.Offset));
        Assert.Equal(new long[] { 15, 3, 6, 1 }, layout.Segments.Select(s => s.Count));
        Assert.Equal(36, layout.TotalElements);
        Assert.Equal(25, layout.ParameterElements);
        Assert.Equal(new PartitionRange(12, 12), layout.Partition(1));

        // Partition 1 = [12, 24): the tail of w1, all of b1, the head of w2.
        var pieces = layout.SegmentsIn(layout.Partition(1)).Select(p => (p.Segment.Name, p.Overlap)).ToArray();
        Assert.Equal(new[] { ("w1", new PartitionRange(12, 3)), ("b1", new PartitionRange(16, 3)), ("w2", new PartitionRange(20, 4)) },
            pieces);
        var covered = Enumerable.Range(0, 3).SelectMany(r => layout.SegmentsIn(layout.Partition(r))).Sum(p => p.Overlap.Length);
        Assert.Equal(layout.ParameterElements, covered);
    }

    [Fact]
    public void BoundParametersShareTheBufferAndGradientsLandInIt()
    {
        using var scope = NewDisposeScope();
        var model = Deterministic.Initialize(nn.Sequential(("l1", nn.Linear(5, 3)), ("act", nn.Tanh()), ("l2", nn.Linear(3, 2))), 1);
        var reference = nn.Sequential(("l1", nn.Linear(5, 3)), ("act", nn.Tanh()), ("l2", nn.Linear(3, 2)));
        reference.load_state_dict(model.state_dict());
        var named = model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToArray();
        var layout = FlatLayout.Create(named.Select(p => (p.name, p.Item2.shape)), partitions: 2, alignment: 4);
        using var weights = new FlatBuffer(layout, ScalarType.Float32);
        using var grads = new FlatBuffer(layout, ScalarType.Float32);

        weights.BindParameters(named);
        grads.BindGradients(named);

        // The module's weights are now the buffer: same values as before binding, and writes show through.
        foreach (var (name, parameter) in reference.named_parameters())
        {
            Assert.True(weights.View(name).allclose(parameter, rtol: 0, atol: 0), name);
        }
        var input = Deterministic.Randn(2, 4, 5);
        model.forward(input).square().sum().backward();
        reference.forward(input).square().sum().backward();
        foreach (var (name, parameter) in reference.named_parameters())
        {
            Assert.True(grads.View(name).allclose(parameter.grad!, rtol: 0, atol: 1e-6), name);
        }
        // A second backward accumulates into the same buffer.
        model.forward(input).square().sum().backward();
        Assert.True(grads.View("l2.bias").allclose(reference.named_parameters().Single(p => p.name == "l2.bias").parameter.grad! * 2));

        using (no_grad())
        {
            weights.Data.fill_(0.5f);
        }
        Assert.Equal(0.5f, model.named_parameters().First().parameter[0, 0].item<float>());
        // Padding stays zero in the gradient buffer.
        var padding = layout.TotalElements - layout.ParameterElements;
        Assert.True(padding > 0);
        Assert.Equal(grads.Data.abs().sum().item<float>(),
            layout.Segments.Sum(s => grads.View(s).abs().sum().item<float>()), 3);
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
