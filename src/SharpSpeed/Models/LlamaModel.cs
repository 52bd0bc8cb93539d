using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>HF's <c>model.</c> part of a causal LM: embeddings, the decoder stack and the final norm.</summary>
public sealed class LlamaModel : nn.Module
{
    private readonly TokenEmbedding _embedTokens;
    private readonly ModuleList<LlamaDecoderLayer> _layers;
    private readonly RmsNorm _norm;
    private readonly RotaryEmbedding _rotary;
    private readonly ModelConfig _config;
    private readonly ParameterSeam _seam;

    public LlamaModel(string prefix, ModelConfig config, WeightSource weights, ParameterSeam seam) : base(nameof(LlamaModel))
    {
        _config = config;
        _seam = seam;
        _embedTokens = new TokenEmbedding(prefix + ".embed_tokens", config.VocabSize, config.HiddenSize, weights, seam);
        _layers = nn.ModuleList(Enumerable.Range(0, config.NumHiddenLayers)
            .Select(i => new LlamaDecoderLayer($"{prefix}.layers.{i}", i, config, weights, seam)).ToArray());
        _norm = new RmsNorm(prefix + ".norm", config.HiddenSize, config.RmsNormEps, weights, seam);
        _rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling);
        register_module("embed_tokens", _embedTokens);
        register_module("layers", _layers);
        register_module("norm", _norm);
    }

    public TokenEmbedding EmbedTokens => _embedTokens;

    /// <summary>Failures inside checkpoint recomputations, rethrown by <see cref="LlamaForCausalLM.Backward"/>.</summary>
    public BackwardFailures BackwardFailures { get; } = new();

    /// <summary>Recompute each decoder layer during backward instead of keeping its activations.</summary>
    public bool GradientCheckpointing { get; set; }

    /// <summary>Final hidden states [batch, seq, hidden]; see <see cref="LlamaForCausalLM.Forward"/> for the inputs.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds, Tensor? segmentIds, KvCache? cache)
    {
        long batch = inputIds.shape[0], length = inputIds.shape[1];
        var past = cache?.Length ?? 0;
        var device = inputIds.device;
        positionIds ??= segmentIds is not null
            ? AttentionMasks.PositionsFromSegments(segmentIds)
            : AttentionMasks.Positions(past, past + length, device).unsqueeze(0).expand(batch, length);
        Tensor hidden;
        using (_seam.Current.EnterUnit(LlamaForCausalLM.EmbeddingUnit))
        {
            hidden = _embedTokens.Forward(inputIds);
        }
        var (cos, signedSin) = _rotary.Tables(positionIds.to(device), hidden.dtype);
        var mask = AttentionMasks.Build(batch, length, past, attentionMask, segmentIds, _config.SlidingWindow, device);
        var inputs = new AttentionInputs(cos, signedSin, mask, IsCausal: mask is null && past == 0, cache);
        var checkpoint = GradientCheckpointing && is_grad_enabled() && cache is null;
        foreach (var layer in _layers)
        {
            hidden = checkpoint && hidden.requires_grad
                ? ActivationCheckpoint.Run(layer, hidden, inputs, BackwardFailures)
                : layer.Forward(hidden, inputs);
        }
        using var finalNorm = _seam.Current.EnterUnit(LlamaForCausalLM.FinalNormUnit(_config));
        return _norm.Forward(hidden);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _rotary.Dispose();
        }
        base.Dispose(disposing);
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
