using SharpSpeed.Comm.Mpi;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Comm;

/// <summary>The 16-bit conversions of the MPI user reductions round exactly as libtorch's casts do.</summary>
public sealed class HalfPrecisionReductionsTests
{
    [Fact]
    public void BFloat16AndFloat16RoundingMatchesLibTorch()
    {
        using var scope = NewDisposeScope();
        var random = new Random(7);
        var values = Enumerable.Range(0, 4000)
            .Select(i => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-30, 30))))
            // exact ties of bf16 (1 + 2^-8, 1 + 3 x 2^-8) and fp16 (1 + 2^-11), zeros, infinities, overflow to fp16 inf
            .Concat([1f + 1f / 256, 1f + 3f / 256, 1f + 1f / 2048, 0f, -0f, float.PositiveInfinity, float.NegativeInfinity, 70000f])
            .ToArray();
        var source = tensor(values);
        var bfloat16 = source.to(ScalarType.BFloat16).to(ScalarType.Float32).data<float>().ToArray();
        var float16 = source.to(ScalarType.Float16).to(ScalarType.Float32).data<float>().ToArray();
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(bfloat16[i], HalfPrecisionReductions.BFloat16ToSingle(HalfPrecisionReductions.SingleToBFloat16(values[i])));
            Assert.Equal(float16[i], HalfPrecisionReductions.Float16ToSingle(HalfPrecisionReductions.SingleToFloat16(values[i])));
        }
        Assert.True(float.IsNaN(HalfPrecisionReductions.BFloat16ToSingle(HalfPrecisionReductions.SingleToBFloat16(float.NaN))));
    }

    [Fact]
    public void BFloat16SumMatchesLibTorchsAdditionAcrossVectorAndScalarPaths()
    {
        using var scope = NewDisposeScope();
        var random = new Random(11);
        float Draw() => (float)((random.NextDouble() - 0.5) * Math.Pow(2, random.Next(-20, 20)));
        var length = 1000 + 13; // whole 16-element vectors and a scalar tail
        var a = Enumerable.Range(0, length).Select(_ => Draw()).ToArray();
        var b = Enumerable.Range(0, length).Select(_ => Draw()).ToArray();
        (a[3], b[3]) = (float.NaN, 1f);
        (a[4], b[4]) = (float.PositiveInfinity, 2f);
        (a[5], b[5]) = (3e38f, 3e38f); // overflows to infinity
        var left = tensor(a).to(ScalarType.BFloat16);
        var right = tensor(b).to(ScalarType.BFloat16);
        var expected = left.add(right, HeldScalars.One).to(ScalarType.Float32).data<float>().ToArray();

        var addend = left.to(ScalarType.Float32).data<float>().ToArray().Select(HalfPrecisionReductions.SingleToBFloat16).ToArray();
        var sum = right.to(ScalarType.Float32).data<float>().ToArray().Select(HalfPrecisionReductions.SingleToBFloat16).ToArray();
        HalfPrecisionReductions.AddBFloat16(addend, sum);
        for (var i = 0; i < length; i++)
        {
            Assert.Equal(expected[i], HalfPrecisionReductions.BFloat16ToSingle(sum[i]));
        }
    }
}
