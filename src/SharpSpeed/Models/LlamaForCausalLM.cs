using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// A LLaMA-family causal language model (LLaMA 1/2/3, DeepSeek-LLM, Mistral, Qwen2) whose parameter names are
/// HF's, so <c>state_dict()</c> maps 1:1 onto the tensors of an HF model folder. With tied embeddings the
/// output projection reuses <c>model.embed_tokens.weight</c> and there is no <c>lm_head.weight</c>.
/// </summary>
public sealed class LlamaForCausalLM : nn.Module, ITrainableModel
{
    private readonly LlamaModel _model;
    private readonly LinearProjection? _lmHead;

    public LlamaForCausalLM(ModelConfig config, WeightSource weights) : base(nameof(LlamaForCausalLM))
    {
        Config = config;
        _model = new LlamaModel("model", config, weights, Seam);
        register_module("model", _model);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = new LinearProjection("lm_head", config.HiddenSize, config.VocabSize, false, weights, Seam);
            register_module("lm_head", _lmHead);
        }
    }

    /// <summary>Unit of the token embedding (see <see cref="ParameterUnits"/>).</summary>
    public const int EmbeddingUnit = 0;

    public ModelConfig Config { get; }

    /// <summary>How every module of this model computes with its parameters (a training engine installs its own).</summary>
    public ParameterSeam Seam { get; } = new();

    public static int LayerUnit(int layerIndex) => 1 + layerIndex;

    public static int FinalNormUnit(ModelConfig config) => 1 + config.NumHiddenLayers;

    public static int HeadUnit(ModelConfig config) => 2 + config.NumHiddenLayers;

    /// <summary>
    /// The parameters that require grad, grouped by the unit that uses them, in forward order: the embedding, each
    /// decoder layer, the final norm, the output head (absent when tied to the embedding). Units without such
    /// parameters are left out (a frozen base with adapters keeps only the adapters' units).
    /// </summary>
    public IReadOnlyList<ParameterUnit> ParameterUnits()
    {
        var byUnit = new SortedDictionary<int, List<(string, TorchSharp.Modules.Parameter)>>();
        foreach (var (name, parameter) in named_parameters())
        {
            if (!parameter.requires_grad)
            {
                continue;
            }
            var unit = UnitOf(name);
            if (!byUnit.TryGetValue(unit, out var list))
            {
                byUnit[unit] = list = [];
            }
            list.Add((name, parameter));
        }
        return [.. byUnit.Select(u => new ParameterUnit(u.Key, UnitName(u.Key), [.. u.Value.OrderBy(p => ForwardPosition(p.Item1))]))];
    }

    /// <summary>
    /// Where a decoder-layer parameter is first used in forward. Units list their parameters in this order (not in
    /// registration order, which puts the norms last), so that backward's gradients arrive in reverse layout order and
    /// an engine's gradient blocks complete one after another. Stable: adapters sort with the module they wrap.
    /// </summary>
    private static int ForwardPosition(string parameterName)
    {
        string[] modules = ["input_layernorm", "q_proj", "k_proj", "v_proj", "o_proj", "post_attention_layernorm", "gate_proj", "up_proj", "down_proj"];
        var position = Array.FindIndex(modules, m => parameterName.Contains($".{m}.", StringComparison.Ordinal));
        return position < 0 ? modules.Length : position;
    }

    /// <summary>Recompute each decoder layer during backward (HF's <c>gradient_checkpointing</c>).</summary>
    public bool GradientCheckpointing
    {
        get => _model.GradientCheckpointing;
        set => _model.GradientCheckpointing = value;
    }

    /// <summary>
    /// <c>loss.backward()</c> that rethrows a failure inside a checkpoint recomputation (which TorchSharp cannot
    /// propagate itself); use it instead of <c>loss.backward()</c> whenever <see cref="GradientCheckpointing"/> is on.
    /// </summary>
    public void Backward(Tensor loss) => _model.BackwardFailures.Backward(loss);

    /// <summary>Logits [batch, seq, vocab] in the model's dtype.</summary>
    /// <param name="inputIds">[batch, seq] int64 token ids.</param>
    /// <param name="attentionMask">[batch, cached + seq], 1 for real tokens and 0 for padding (HF's attention_mask).</param>
    /// <param name="positionIds">[batch, seq] rotary positions; by default the cache length onward, or restarting
    /// per segment when <paramref name="segmentIds"/> is given.</param>
    /// <param name="segmentIds">[batch, seq] document id per token of packed rows: attention stays inside a document.</param>
    /// <param name="cache">Keys/values of earlier tokens; this call appends its own.</param>
    public Tensor Forward(
        Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, Tensor? segmentIds = null, KvCache? cache = null)
    {
        var hidden = _model.Forward(inputIds, attentionMask, positionIds, segmentIds, cache);
        using var head = Seam.Current.EnterUnit(HeadUnit(Config));
        return _lmHead is null
            ? Seam.Current.Linear(hidden, _model.EmbedTokens.Weight, null)
            : _lmHead.Forward(hidden);
    }

    /// <summary>A model with HF's random initialisation (see <see cref="RandomWeights"/>).</summary>
    public static LlamaForCausalLM CreateRandom(ModelConfig config, long seed, ScalarType dtype = ScalarType.Float32)
    {
        using var weights = new RandomWeights(config.InitializerRange, seed, dtype);
        return new LlamaForCausalLM(config, weights);
    }

    /// <summary>A model built from HF-named tensors, which are moved into it (the dictionary is emptied).</summary>
    public static LlamaForCausalLM FromStateDict(
        ModelConfig config, IDictionary<string, Tensor> tensors, string source, ScalarType? dtype = null)
    {
        var weights = new StateDictWeights(tensors, source, dtype);
        var model = new LlamaForCausalLM(config, weights);
        weights.EnsureAllUsed(config.TieWordEmbeddings);
        return model;
    }

    private int UnitOf(string parameterName)
    {
        const string layers = "model.layers.";
        if (parameterName.StartsWith("model.embed_tokens.", StringComparison.Ordinal))
        {
            return EmbeddingUnit;
        }
        if (parameterName.StartsWith(layers, StringComparison.Ordinal))
        {
            var end = parameterName.IndexOf('.', layers.Length);
            return LayerUnit(int.Parse(parameterName.AsSpan(layers.Length, end - layers.Length), System.Globalization.CultureInfo.InvariantCulture));
        }
        return parameterName.StartsWith("model.norm.", StringComparison.Ordinal) ? FinalNormUnit(Config) : HeadUnit(Config);
    }

    private string UnitName(int unit) =>
        unit == EmbeddingUnit ? "model.embed_tokens"
        : unit == FinalNormUnit(Config) ? "model.norm"
        : unit == HeadUnit(Config) ? "lm_head"
        : $"model.layers.{unit - 1}";

    /// <summary>Submodules and parameters are registered explicitly under their HF names, never by field name.</summary>
    protected override void RegisterComponents()
    {
    }
}
