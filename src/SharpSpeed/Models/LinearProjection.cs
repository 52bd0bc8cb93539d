using SharpSpeed.Models.Adapters;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// y = x W^T (+ b), with HF's parameter names <c>weight</c> and <c>bias</c>; with a LoRA adapter attached,
/// y + scale · dropout(x) A^T B^T, the adapter's factors registered as <c>lora_A</c> / <c>lora_B</c> (PEFT's names).
/// </summary>
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

    public Parameter Weight => _weight;

    public Parameter? Bias => _bias;

    /// <summary>The LoRA adapter computed beside the base weight, if one is attached.</summary>
    public LoraAdapter? Adapter { get; private set; }

    public Tensor Forward(Tensor input)
    {
        var output = _seam.Current.Linear(input, _weight, _bias);
        return Adapter is null ? output : output + Adapter.Forward(input, _seam.Current, training);
    }

    /// <summary>Attaches <paramref name="adapter"/>: its factors become this module's <c>lora_A</c> and <c>lora_B</c> submodules.</summary>
    public void Attach(LoraAdapter adapter)
    {
        ArgumentNullException.ThrowIfNull(adapter);
        if (Adapter is not null)
        {
            throw new InvalidOperationException("this linear module already has a LoRA adapter");
        }
        register_module("lora_A", adapter.A);
        register_module("lora_B", adapter.B);
        Adapter = adapter;
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
