using System.Buffers.Binary;

namespace SharpSpeed.IO.Gguf;

/// <summary>
/// ggml's Q8_0 block quantisation (quantize_row_q8_0_ref): each run of 32 values is stored as an f16 scale
/// d = max|x| / 127 followed by 32 int8 values round(x / d), rounding halves away from zero as C's roundf does.
/// The int8 values are computed with the float32 scale, before it is rounded to f16, exactly as ggml does.
/// </summary>
public static class Q8Blocks
{
    public static void Quantize(ReadOnlySpan<float> values, Span<byte> blocks)
    {
        const int n = GgmlTypes.BlockValuesQ8;
        if (values.Length % n != 0 || blocks.Length != values.Length / n * GgmlTypes.BlockBytesQ8)
        {
            throw new ArgumentException($"Q8_0 needs whole blocks of {n}: {values.Length} values, {blocks.Length} bytes");
        }
        for (var b = 0; b < values.Length / n; b++)
        {
            var block = values.Slice(b * n, n);
            var output = blocks.Slice(b * GgmlTypes.BlockBytesQ8, GgmlTypes.BlockBytesQ8);
            var amax = 0f;
            foreach (var x in block)
            {
                amax = MathF.Max(amax, MathF.Abs(x));
            }
            var d = amax / 127f;
            var inverse = d != 0f ? 1f / d : 0f;
            BinaryPrimitives.WriteHalfLittleEndian(output, (Half)d);
            for (var i = 0; i < n; i++)
            {
                output[2 + i] = (byte)(sbyte)MathF.Round(block[i] * inverse, MidpointRounding.AwayFromZero);
            }
        }
    }

    public static void Dequantize(ReadOnlySpan<byte> blocks, Span<float> values)
    {
        const int n = GgmlTypes.BlockValuesQ8;
        if (values.Length % n != 0 || blocks.Length != values.Length / n * GgmlTypes.BlockBytesQ8)
        {
            throw new ArgumentException($"Q8_0 needs whole blocks of {n}: {values.Length} values, {blocks.Length} bytes");
        }
        for (var b = 0; b < values.Length / n; b++)
        {
            var block = blocks.Slice(b * GgmlTypes.BlockBytesQ8, GgmlTypes.BlockBytesQ8);
            var d = (float)BinaryPrimitives.ReadHalfLittleEndian(block);
            for (var i = 0; i < n; i++)
            {
                values[b * n + i] = d * (sbyte)block[2 + i];
            }
        }
    }
}
