using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>y = x W^T (+ b), with HF's parameter names <c>weight</c> and <c>bias</c>.</summary>
public sealed class LinearProjection : nn.Module
{
    private readonly Parameter _weight;
    private readonly Parameter? _bias;
    private readonly ParameterSeam _seam;

    public LinearProjection(string prefix, long inFeatures, long outFeatures, bool hasBias, WeightSource weights, ParameterSeam seam)
        : base(nameof(LinearProjection))
    {
        _seam = seam;
        _weight = ModelParameters.Register(this, "weight", weights.Create(prefix + ".weight", [outFeatures, inFeatures], WeightKind.Linear));
        if (hasBias)
        {
            _bias = ModelParameters.Register(this, "bias", weights.Create(prefix + ".bias", [outFeatures], WeightKind.Bias));
        }
    }

    public Tensor Forward(Tensor input) => _seam.Current.Linear(input, _weight, _bias);

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
