using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>Token id -> vector lookup table (HF's <c>embed_tokens</c>, parameter <c>weight</c> [vocab, hidden]).</summary>
public sealed class TokenEmbedding : nn.Module
{
    private readonly Parameter _weight;
    private readonly ParameterSeam _seam;

    public TokenEmbedding(string prefix, long vocab, long hidden, WeightSource weights, ParameterSeam seam) : base(nameof(TokenEmbedding))
    {
        _seam = seam;
        _weight = ModelParameters.Register(this, "weight", weights.Create(prefix + ".weight", [vocab, hidden], WeightKind.Embedding));
    }

    public Parameter Weight => _weight;

    public Tensor Forward(Tensor ids) => _seam.Current.Lookup(ids, _weight);

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
