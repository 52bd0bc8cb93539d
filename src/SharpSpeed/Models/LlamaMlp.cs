using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>SwiGLU feed-forward: down(silu(gate(x)) * up(x)).</summary>
public sealed class LlamaMlp : nn.Module
{
    private readonly LinearProjection _gate;
    private readonly LinearProjection _up;
    private readonly LinearProjection _down;

    public LlamaMlp(string prefix, ModelConfig config, WeightSource weights, ParameterSeam seam) : base(nameof(LlamaMlp))
    {
        _gate = new LinearProjection(prefix + ".gate_proj", config.HiddenSize, config.IntermediateSize, false, weights, seam);
        _up = new LinearProjection(prefix + ".up_proj", config.HiddenSize, config.IntermediateSize, false, weights, seam);
        _down = new LinearProjection(prefix + ".down_proj", config.IntermediateSize, config.HiddenSize, false, weights, seam);
        register_module("gate_proj", _gate);
        register_module("up_proj", _up);
        register_module("down_proj", _down);
    }

    public Tensor Forward(Tensor x) => _down.Forward(nn.functional.silu(_gate.Forward(x)) * _up.Forward(x));

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
