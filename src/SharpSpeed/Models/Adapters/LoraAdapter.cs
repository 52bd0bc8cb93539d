using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Adapters;

/// <summary>
/// The trainable part of a LoRA-wrapped linear module: Δy = scale · dropout(x) A^T B^T with A [r, in] and B [out, r].
/// Both products go through the model's <see cref="ParameterUse"/>, so a training engine hooks (stages 0-2) or gathers
/// (stage 3) the factors exactly as it does any trained weight.
/// </summary>
public sealed class LoraAdapter
{
    private LoraAdapter(LoraFactor a, LoraFactor b, double scale, double dropout)
    {
        A = a;
        B = b;
        Scale = scale;
        Dropout = dropout;
    }

    /// <summary>lora_A: [r, in_features].</summary>
    public LoraFactor A { get; }

    /// <summary>lora_B: [out_features, r].</summary>
    public LoraFactor B { get; }

    public double Scale { get; }

    public double Dropout { get; }

    /// <summary>
    /// PEFT's default initialisation (<c>init_lora_weights=True</c>): A as nn.Linear's default, Kaiming-uniform with
    /// a = √5, which is U(-1/√in, 1/√in), drawn from <paramref name="generator"/> (torch's global one when null);
    /// B zero, so the adapter starts as the identity.
    /// </summary>
    public static LoraAdapter Create(long inFeatures, long outFeatures, LoraConfig config, ScalarType dtype, Device device, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        using var noGrad = no_grad();
        using var a = empty([config.R, inFeatures], ScalarType.Float32);
        // kaiming_uniform_(a=√5): gain √(2/(1+5)), bound = gain·√(3/fan_in) = 1/√fan_in.
        var bound = 1 / Math.Sqrt(inFeatures);
        a.uniform_(-bound, bound, generator);
        return new LoraAdapter(
            new LoraFactor(a.to(dtype, device)),
            new LoraFactor(zeros([outFeatures, config.R], dtype, device)),
            config.Scale, config.Dropout);
    }

    /// <param name="training">Whether the wrapping module is in training mode (dropout applies only then).</param>
    public Tensor Forward(Tensor input, ParameterUse use, bool training)
    {
        ArgumentNullException.ThrowIfNull(use);
        var dropped = training && Dropout > 0 ? nn.functional.dropout(input, Dropout, training: true) : input;
        using var scale = Scale.ToScalar();
        return use.Linear(use.Linear(dropped, A.Weight, null), B.Weight, null).mul(scale);
    }
}

/// <summary>One LoRA factor: a module with a single parameter named <c>weight</c>, as PEFT's <c>lora_A</c> / <c>lora_B</c> Linear layers.</summary>
public sealed class LoraFactor : nn.Module
{
    public LoraFactor(Tensor weight) : base(nameof(LoraFactor))
    {
        Weight = ModelParameters.Register(this, "weight", weight);
    }

    public Parameter Weight { get; }

    /// <summary>The parameter is registered explicitly under PEFT's name, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
