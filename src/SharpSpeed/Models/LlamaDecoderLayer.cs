using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>One pre-norm transformer block: h = x + attn(norm(x)); out = h + mlp(norm(h)).</summary>
public sealed class LlamaDecoderLayer : nn.Module
{
    private readonly RmsNorm _inputNorm;
    private readonly LlamaAttention _attention;
    private readonly RmsNorm _postAttentionNorm;
    private readonly LlamaMlp _mlp;
    private readonly ParameterSeam _seam;
    private readonly int _unit;

    public LlamaDecoderLayer(string prefix, int layerIndex, ModelConfig config, WeightSource weights, ParameterSeam seam)
        : base(nameof(LlamaDecoderLayer))
    {
        _seam = seam;
        _unit = LlamaForCausalLM.LayerUnit(layerIndex);
        _inputNorm = new RmsNorm(prefix + ".input_layernorm", config.HiddenSize, config.RmsNormEps, weights, seam);
        _attention = new LlamaAttention(prefix + ".self_attn", layerIndex, config, weights, seam);
        _postAttentionNorm = new RmsNorm(prefix + ".post_attention_layernorm", config.HiddenSize, config.RmsNormEps, weights, seam);
        _mlp = new LlamaMlp(prefix + ".mlp", config, weights, seam);
        register_module("self_attn", _attention);
        register_module("mlp", _mlp);
        register_module("input_layernorm", _inputNorm);
        register_module("post_attention_layernorm", _postAttentionNorm);
    }

    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        // TorchSharp keeps every intermediate alive until its dispose scope ends; a scope per layer frees them as
        // soon as the layer is done (autograd still holds what backward needs), which is what makes
        // activation checkpointing save memory at all.
        using var scope = NewDisposeScope();
        using var unit = _seam.Current.EnterUnit(_unit);
        var h = x.add(_attention.Forward(_inputNorm.Forward(x), inputs), HeldScalars.One);
        return scope.MoveToOuter(h.add(_mlp.Forward(_postAttentionNorm.Forward(h)), HeldScalars.One));
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
