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
    private Parameter _weight;
    private QuantizedWeight? _quantized;
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

    /// <summary>The full-precision weight; absent once <see cref="Quantize"/> replaced it.</summary>
    public Parameter Weight => _quantized is null ? _weight : throw new InvalidOperationException("this linear module's weight is stored quantised");

    /// <summary>The quantised base weight (QLoRA), if <see cref="Quantize"/> was called.</summary>
    public QuantizedWeight? Quantized => _quantized;

    public Parameter? Bias => _bias;

    /// <summary>The LoRA adapter computed beside the base weight, if one is attached.</summary>
    public LoraAdapter? Adapter { get; private set; }

    public Tensor Forward(Tensor input)
    {
        var output = _quantized is null ? _seam.Current.Linear(input, _weight, _bias) : QuantizedLinear.Apply(input, _quantized, _bias);
        return Adapter is null ? output : output.add(Adapter.Forward(input, _seam.Current, training), HeldScalars.One);
    }

    /// <summary>
    /// Replaces the frozen weight by its quantised form (QLoRA) and frees the full-precision one: the module then has
    /// no <c>weight</c> parameter and dequantises on each use in forward and backward.
    /// </summary>
    public void Quantize(QuantizationSettings settings)
    {
        if (_quantized is not null || _weight.requires_grad)
        {
            throw new InvalidOperationException("only a frozen, not yet quantised weight can be quantised");
        }
        _quantized = QuantizedWeight.Quantize(_weight, settings);
        _internal_params.Remove("weight");
        _weight.Dispose();
        _weight = null!;
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

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _quantized?.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
