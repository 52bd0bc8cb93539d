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

    public LlamaDecoderLayer(string prefix, int layerIndex, ModelConfig config, WeightSource weights) : base(nameof(LlamaDecoderLayer))
    {
        _inputNorm = new RmsNorm(prefix + ".input_layernorm", config.HiddenSize, config.RmsNormEps, weights);
        _attention = new LlamaAttention(prefix + ".self_attn", layerIndex, config, weights);
        _postAttentionNorm = new RmsNorm(prefix + ".post_attention_layernorm", config.HiddenSize, config.RmsNormEps, weights);
        _mlp = new LlamaMlp(prefix + ".mlp", config, weights);
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
        var h = x + _attention.Forward(_inputNorm.Forward(x), inputs);
        return scope.MoveToOuter(h + _mlp.Forward(_postAttentionNorm.Forward(h)));
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
