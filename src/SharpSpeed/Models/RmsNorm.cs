using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// LLaMA's RMSNorm as HF computes it: normalise in fp32, cast back to the input's dtype, then scale by the
/// weight (the order matters for bf16 parity).
/// </summary>
public sealed class RmsNorm : nn.Module
{
    private readonly Parameter _weight;
    private readonly double _eps;
    private readonly ParameterSeam _seam;

    public RmsNorm(string prefix, long size, double eps, WeightSource weights, ParameterSeam seam) : base(nameof(RmsNorm))
    {
        _seam = seam;
        _eps = eps;
        _weight = ModelParameters.Register(this, "weight", weights.Create(prefix + ".weight", [size], WeightKind.Norm));
    }

    public Tensor Forward(Tensor input)
    {
        var inputType = input.dtype;
        var hidden = input.to(ScalarType.Float32);
        using var epsilon = _eps.ToScalar();
        var variance = hidden.mul(hidden).mean([-1], keepdim: true);
        hidden = hidden * rsqrt(variance.add(epsilon, HeldScalars.One));
        return _seam.Current.Scale(hidden.to(inputType), _weight);
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
