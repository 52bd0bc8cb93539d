using SharpSpeed.Engine.Gradients;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Gradients;

public sealed class GradientNormTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(7)]
    [InlineData((1 << 20) * 2 + 12345)]
    public void SumOfSquaresEqualsAFloat64SumOverEveryChunk(int length)
    {
        var random = new Random(5);
        var values = Enumerable.Range(0, length).Select(_ => (float)(random.NextDouble() * 2 - 1) * 3f).ToArray();
        using var flat = tensor(values);
        using var squared = GradientNorm.SumOfSquares(flat);

        var expected = values.Sum(v => (double)v * v);
        Assert.Equal(ScalarType.Float32, squared.dtype);
        Assert.Equal(expected, squared.item<float>(), Math.Max(1e-6 * expected, 1e-30));
    }

    [Theory]
    [InlineData(float.PositiveInfinity, float.PositiveInfinity)]
    [InlineData(float.NaN, float.NaN)]
    public void AnInfOrNanElementMakesTheSumNonFinite(float bad, float expected)
    {
        var values = Enumerable.Repeat(0.5f, (1 << 20) + 10).ToArray();
        values[^3] = bad;
        using var flat = tensor(values);
        using var squared = GradientNorm.SumOfSquares(flat);
        Assert.Equal(expected, squared.item<float>());
    }
}
