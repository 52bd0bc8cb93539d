using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Adapters;

/// <summary>QLoRA's storage of frozen base weights (the seed command line's names): 4 or 8 bits, nf4 or fp4, double quantisation.</summary>
public sealed record QuantizationSettings(int Bits, string QuantType = "nf4", bool DoubleQuant = false)
{
    /// <summary>Weights per absmax constant (bitsandbytes' 4-bit default).</summary>
    public const int BlockSize = 64;

    /// <summary>absmax constants per second-level constant with double quantisation (QLoRA paper).</summary>
    public const int AbsmaxBlockSize = 256;
}

/// <summary>
/// A weight stored blockwise-quantised: per block of 64 values one absmax constant, each value a code. 4 bits: the
/// nearest entry of the NF4 / FP4 code book to value/absmax, two codes per byte (first value in the high nibble, as
/// bitsandbytes packs them). 8 bits: value/absmax rounded to a signed byte of 127 steps. With double quantisation the
/// fp32 absmax constants are themselves stored as signed bytes (minus their mean, in blocks of 256 with one fp32
/// scale each), which cuts their cost from 0.5 to ~0.127 bits per weight. <see cref="Dequantize"/> rebuilds the weight.
/// </summary>
public sealed class QuantizedWeight : IDisposable
{
    private readonly Tensor _codes;
    private readonly Tensor? _book;
    private readonly Tensor _absmax;
    private readonly Tensor? _absmaxScales;
    private readonly float _absmaxOffset;

    private QuantizedWeight(long[] shape, ScalarType dtype, QuantizationSettings settings, Tensor codes, Tensor? book,
        Tensor absmax, Tensor? absmaxScales, float absmaxOffset)
    {
        Shape = shape;
        DType = dtype;
        Settings = settings;
        _codes = codes.DetachFromDisposeScope();
        _book = book?.DetachFromDisposeScope();
        _absmax = absmax.DetachFromDisposeScope();
        _absmaxScales = absmaxScales?.DetachFromDisposeScope();
        _absmaxOffset = absmaxOffset;
    }

    public long[] Shape { get; }

    /// <summary>The dtype the weight had and <see cref="Dequantize"/> gives back.</summary>
    public ScalarType DType { get; }

    public QuantizationSettings Settings { get; }

    /// <summary>Bytes this weight occupies (codes, absmax constants and their scales).</summary>
    public long StorageBytes => _codes.numel() * _codes.ElementSize + _absmax.numel() * _absmax.ElementSize +
                                (_absmaxScales is null ? 0 : _absmaxScales.numel() * 4 + 4);

    public static QuantizedWeight Quantize(Tensor weight, QuantizationSettings settings)
    {
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(settings);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var count = weight.numel();
        var padded = (count + QuantizationSettings.BlockSize - 1) / QuantizationSettings.BlockSize * QuantizationSettings.BlockSize;
        var blocks = nn.functional.pad(weight.detach().to(ScalarType.Float32).reshape(-1), [0, padded - count])
            .view(-1, QuantizationSettings.BlockSize);
        using var tiny = float.Epsilon.ToScalar();
        using var int8Max = 127.ToScalar();
        var absmax = blocks.abs().amax([1]);
        var normalized = blocks / absmax.clamp_min(tiny).unsqueeze(1);
        Tensor codes;
        Tensor? book = null;
        if (settings.Bits == 4)
        {
            var values = CodeBooks.Named(settings.QuantType);
            book = tensor(values.ToArray(), device: weight.device);
            // Nearest code: sort the book, round at the midpoints between neighbours, map back to the code's index.
            var (sorted, order) = book.sort();
            using var two = 2.ToScalar();
            var midpoints = sorted.narrow(0, 1, 15).add(sorted.narrow(0, 0, 15), HeldScalars.One).div(two);
            var nearest = order.index_select(0, bucketize(normalized.reshape(-1), midpoints).reshape(-1));
            var pairs = nearest.to(ScalarType.Byte).view(-1, 2);
            codes = pairs.select(1, 0).bitwise_left_shift(4).bitwise_or(pairs.select(1, 1));
        }
        else if (settings.Bits == 8)
        {
            codes = normalized.mul(int8Max).round_().to(ScalarType.Int8).reshape(-1);
        }
        else
        {
            throw new ArgumentException($"--bits {settings.Bits}: quantised storage has 4 or 8 bits");
        }
        Tensor? scales = null;
        float offset = 0;
        if (settings.DoubleQuant)
        {
            offset = absmax.mean().item<float>();
            var constants = absmax.numel();
            var paddedConstants = (constants + QuantizationSettings.AbsmaxBlockSize - 1) / QuantizationSettings.AbsmaxBlockSize * QuantizationSettings.AbsmaxBlockSize;
            using var mean = offset.ToScalar();
            var centred = nn.functional.pad(absmax.sub(mean), [0, paddedConstants - constants]).view(-1, QuantizationSettings.AbsmaxBlockSize);
            scales = centred.abs().amax([1]).clamp_min(tiny);
            absmax = (centred / scales.unsqueeze(1)).mul_(int8Max).round_().to(ScalarType.Int8).reshape(-1).narrow(0, 0, constants);
        }
        return new QuantizedWeight(weight.shape, weight.dtype, settings, codes, book, absmax, scales, offset);
    }

    /// <summary>The weight rebuilt from codes and constants, in <see cref="DType"/> (a new tensor the caller disposes).</summary>
    public Tensor Dequantize()
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor values;
        if (_book is not null)
        {
            var high = _codes.bitwise_right_shift(4);
            var low = _codes.bitwise_and(15);
            var indices = stack([high, low], 1).reshape(-1).to(ScalarType.Int64);
            values = _book.index_select(0, indices);
        }
        else
        {
            using var int8Max = 127.ToScalar();
            values = _codes.to(ScalarType.Float32).div_(int8Max);
        }
        var absmax = _absmaxScales is null
            ? _absmax
            : DoubleDequantize();
        var blocks = values.view(-1, QuantizationSettings.BlockSize) * absmax.unsqueeze(1);
        var count = Shape.Aggregate(1L, (a, b) => a * b);
        return blocks.reshape(-1).narrow(0, 0, count).view(Shape).to(DType).MoveToOuterDisposeScope();
    }

    private Tensor DoubleDequantize()
    {
        var constants = _absmax.numel();
        var padded = _absmaxScales!.numel() * QuantizationSettings.AbsmaxBlockSize;
        var codes = nn.functional.pad(_absmax.to(ScalarType.Float32), [0, padded - constants]).view(-1, QuantizationSettings.AbsmaxBlockSize);
        using var int8Max = 127.ToScalar();
        using var mean = _absmaxOffset.ToScalar();
        return (codes.div(int8Max) * _absmaxScales.unsqueeze(1)).reshape(-1).narrow(0, 0, constants).add(mean, HeldScalars.One);
    }

    public void Dispose()
    {
        _codes.Dispose();
        _book?.Dispose();
        _absmax.Dispose();
        _absmaxScales?.Dispose();
    }
}
