using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Rotary position embedding in HF's "rotate_half" layout: the head dimension is split into two halves that
/// rotate as pairs (x_i, x_{i+d/2}), not interleaved. Frequencies are computed in fp32 exactly as HF does,
/// including its <c>linear</c> and <c>llama3</c> rope_scaling rules.
/// </summary>
public sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _inverseFrequencies;

    public RotaryEmbedding(int headDim, double theta, RopeScaling? scaling)
    {
        using var scope = NewDisposeScope();
        using var zero = 0.ToScalar();
        using var dim = headDim.ToScalar();
        using var two = 2.ToScalar();
        var exponents = arange(zero, dim, two, ScalarType.Int64).to(ScalarType.Float32).div_(dim);
        var inverse = tensor((float)theta).pow(exponents).reciprocal_();
        using var factor = (scaling?.Factor ?? 1).ToScalar();
        inverse = scaling?.Type switch
        {
            null => inverse,
            RopeScaling.Linear => inverse.div(factor),
            RopeScaling.Llama3 => ScaleLlama3(inverse, scaling),
            _ => throw new ArgumentException($"rope_scaling type '{scaling.Type}' is not supported"),
        };
        _inverseFrequencies = inverse.DetachFromDisposeScope();
    }

    /// <summary>Llama 3.1: long wavelengths slowed by the factor, short ones kept, the band between blended.</summary>
    private static Tensor ScaleLlama3(Tensor inverse, RopeScaling scaling)
    {
        var originalContext = (double)scaling.OriginalMaxPositionEmbeddings;
        using var context = originalContext.ToScalar();
        using var lowFreqWavelength = (originalContext / scaling.LowFreqFactor).ToScalar();
        using var highFreqWavelength = (originalContext / scaling.HighFreqFactor).ToScalar();
        using var lowFreqFactor = scaling.LowFreqFactor.ToScalar();
        using var band = (scaling.HighFreqFactor - scaling.LowFreqFactor).ToScalar();
        using var factor = scaling.Factor.ToScalar();
        using var fullTurn = (2 * Math.PI).ToScalar();
        var wavelength = inverse.reciprocal().mul_(fullTurn);
        var scaled = where(wavelength.gt(lowFreqWavelength), inverse.div(factor), inverse);
        var smooth = wavelength.reciprocal().mul_(context).sub_(lowFreqFactor).div_(band);
        var smoothed = ((ones_like(smooth) - smooth) * scaled).div_(factor).add_(smooth * scaled, HeldScalars.One);
        var isMedium = wavelength.ge(highFreqWavelength).logical_and(wavelength.le(lowFreqWavelength));
        return where(isMedium, smoothed, scaled);
    }

    /// <summary>
    /// cos and sign-folded sin tables of shape [batch, seq, head_dim] for the given positions, in <paramref name="dtype"/>.
    /// The sin table's first half is negated: HF's rotate_half(x) · sin is then roll(x, head_dim / 2) · signed sin,
    /// the same products to the bit (only signs move), with one roll instead of two slices, a negation and a cat.
    /// </summary>
    public (Tensor Cos, Tensor SignedSin) Tables(Tensor positionIds, ScalarType dtype)
    {
        var angles = positionIds.to(ScalarType.Float32).unsqueeze(-1) * _inverseFrequencies.to(positionIds.device);
        var cos = angles.cos();
        var sin = angles.sin();
        return (cat([cos, cos], -1).to(dtype), cat([sin.neg(), sin], -1).to(dtype));
    }

    /// <summary>
    /// Rotates q or k of shape [batch, heads, seq, head_dim] by tables from <see cref="Tables"/>: x · cos +
    /// rotate_half(x) · sin. Backward is then a roll and two products, where slicing made zero-filled copies.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor signedSin)
    {
        var rotated = x.roll(x.shape[^1] / 2, -1);
        return x.mul(cos.unsqueeze(1)).add_(rotated.mul_(signedSin.unsqueeze(1)), HeldScalars.One);
    }

    public void Dispose() => _inverseFrequencies.Dispose();
}
