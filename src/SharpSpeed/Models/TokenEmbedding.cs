using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>Token id -> vector lookup table (HF's <c>embed_tokens</c>, parameter <c>weight</c> [vocab, hidden]).</summary>
public sealed class TokenEmbedding : nn.Module
{
    private readonly Parameter _weight;

    public TokenEmbedding(string prefix, long vocab, long hidden, WeightSource weights) : base(nameof(TokenEmbedding))
    {
        _weight = ModelParameters.Register(this, "weight", weights.Create(prefix + ".weight", [vocab, hidden], WeightKind.Embedding));
    }

    public Tensor Weight => _weight;

    public Tensor Forward(Tensor ids)
    {
        var flat = ParameterUse.Of(_weight).index_select(0, ids.reshape(-1));
        return flat.view([.. ids.shape, _weight.shape[1]]);
    }

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
