using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Multi-head causal self-attention with rotary positions and grouped-query attention (each key/value head is
/// shared by <see cref="ModelConfig.KeyValueGroups"/> query heads, HF's repeat_kv), computed by libtorch's
/// scaled_dot_product_attention.
/// </summary>
public sealed class LlamaAttention : nn.Module
{
    private readonly LinearProjection _query;
    private readonly LinearProjection _key;
    private readonly LinearProjection _value;
    private readonly LinearProjection _output;
    private readonly int _layerIndex;
    private readonly int _heads;
    private readonly int _keyValueHeads;
    private readonly int _headDim;

    public LlamaAttention(string prefix, int layerIndex, ModelConfig config, WeightSource weights, ParameterSeam seam) : base(nameof(LlamaAttention))
    {
        _layerIndex = layerIndex;
        _heads = config.NumAttentionHeads;
        _keyValueHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        var qkvBias = config.AttentionBias || config.QkvBias;
        long hidden = config.HiddenSize, queryWidth = (long)_heads * _headDim, keyValueWidth = (long)_keyValueHeads * _headDim;
        _query = new LinearProjection(prefix + ".q_proj", hidden, queryWidth, qkvBias, weights, seam);
        _key = new LinearProjection(prefix + ".k_proj", hidden, keyValueWidth, qkvBias, weights, seam);
        _value = new LinearProjection(prefix + ".v_proj", hidden, keyValueWidth, qkvBias, weights, seam);
        _output = new LinearProjection(prefix + ".o_proj", queryWidth, hidden, config.AttentionBias, weights, seam);
        register_module("q_proj", _query);
        register_module("k_proj", _key);
        register_module("v_proj", _value);
        register_module("o_proj", _output);
    }

    /// <param name="x">[batch, seq, hidden], already normalised.</param>
    public Tensor Forward(Tensor x, AttentionInputs inputs)
    {
        long batch = x.shape[0], length = x.shape[1];
        var query = _query.Forward(x).view(batch, length, _heads, _headDim).transpose(1, 2);
        var key = _key.Forward(x).view(batch, length, _keyValueHeads, _headDim).transpose(1, 2);
        var value = _value.Forward(x).view(batch, length, _keyValueHeads, _headDim).transpose(1, 2);
        query = RotaryEmbedding.Apply(query, inputs.Cos, inputs.SignedSin);
        key = RotaryEmbedding.Apply(key, inputs.Cos, inputs.SignedSin);
        if (inputs.Cache is { } cache)
        {
            (key, value) = cache.Append(_layerIndex, key, value);
        }
        key = RepeatKeyValue(key);
        value = RepeatKeyValue(value);
        var attended = inputs.Mask is null
            ? nn.functional.scaled_dot_product_attention(query, key, value, is_casual: inputs.IsCausal)
            : nn.functional.scaled_dot_product_attention(query, key, value, attn_mask: inputs.Mask);
        return _output.Forward(attended.transpose(1, 2).reshape(batch, length, _heads * _headDim));
    }

    private Tensor RepeatKeyValue(Tensor x)
    {
        var groups = _heads / _keyValueHeads;
        if (groups == 1)
        {
            return x;
        }
        long batch = x.shape[0], length = x.shape[2];
        return x.unsqueeze(2).expand(batch, _keyValueHeads, groups, length, _headDim)
            .reshape(batch, _heads, length, _headDim);
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
