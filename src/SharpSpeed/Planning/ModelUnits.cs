using SharpSpeed.Models;

namespace SharpSpeed.Planning;

/// <summary>
/// One parameter tensor of a planned model: its HF name and shape (<c>[out, in]</c> for a linear weight, <c>[n]</c>
/// for a vector). <see cref="LinearModule"/> is the leaf module name (<c>q_proj</c>, …) of a decoder-layer linear
/// weight, the names LoRA targets and 4-bit quantisation replaces; null for everything else.
/// </summary>
public sealed record PlannedParameter(string Name, long[] Shape, string? LinearModule = null)
{
    public long Elements => Shape.Aggregate(1L, (a, b) => a * b);
}

/// <summary>
/// A group of parameters used together, named and ordered as <see cref="LlamaForCausalLM.ParameterUnits"/> groups
/// them: the embedding (unit 0), each decoder layer, the final norm, the head (absent when tied).
/// </summary>
public sealed record PlannedUnit(int Index, string Name, IReadOnlyList<PlannedParameter> Parameters)
{
    /// <summary>The engine aligns every parameter to 16 elements inside its unit's flat buffer.</summary>
    public const int ParameterAlignment = 16;

    public long Elements => Parameters.Sum(p => p.Elements);

    public long AlignedElements => Parameters.Sum(p => RoundUp(p.Elements, ParameterAlignment));

    internal static long RoundUp(long value, long multiple) => (value + multiple - 1) / multiple * multiple;
}

/// <summary>The parameter units of a LLaMA-family model, derived from its <see cref="ModelConfig"/> alone.</summary>
public static class ModelUnits
{
    /// <summary>Every parameter of the model, in the model's order and with its HF names.</summary>
    public static IReadOnlyList<PlannedUnit> Of(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        long hidden = config.HiddenSize, vocab = config.VocabSize;
        var units = new List<PlannedUnit>
        {
            new(LlamaForCausalLM.EmbeddingUnit, "model.embed_tokens", [new("model.embed_tokens.weight", [vocab, hidden])]),
        };
        for (int layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            units.Add(new PlannedUnit(LlamaForCausalLM.LayerUnit(layer), $"model.layers.{layer}", LayerParameters(config, layer)));
        }
        units.Add(new PlannedUnit(LlamaForCausalLM.FinalNormUnit(config), "model.norm", [new("model.norm.weight", [hidden])]));
        if (!config.TieWordEmbeddings)
        {
            units.Add(new PlannedUnit(LlamaForCausalLM.HeadUnit(config), "lm_head", [new("lm_head.weight", [vocab, hidden])]));
        }
        return units;
    }

    /// <summary>
    /// The units the engine lays out: every parameter for full training; with LoRA only the adapters
    /// (<c>lora_A</c> r x in, <c>lora_B</c> out x r per targeted linear), so units without a target are absent.
    /// </summary>
    public static IReadOnlyList<PlannedUnit> Trainable(ModelConfig config, LoraSettings? lora)
    {
        var all = Of(config);
        if (lora is null)
        {
            return all;
        }
        var trainable = new List<PlannedUnit>();
        foreach (var unit in all)
        {
            var adapters = unit.Parameters
                .Where(p => lora.Targets(p.LinearModule))
                .SelectMany(p => Adapters(p, lora.Rank))
                .ToList();
            if (adapters.Count > 0)
            {
                trainable.Add(unit with { Parameters = adapters });
            }
        }
        return trainable;
    }

    /// <summary>
    /// Units when only a parameter count is known (<c>estimate --params</c>): units of
    /// <paramref name="largestUnit"/> parameters (the remainder last) stand in for the model's layers.
    /// </summary>
    public static IReadOnlyList<PlannedUnit> FromCount(double parameters, double largestUnit)
    {
        long total = (long)Math.Round(parameters);
        long unitSize = Math.Max(1, (long)Math.Round(Math.Min(largestUnit, parameters)));
        var units = new List<PlannedUnit>();
        for (long start = 0, index = 0; start < total; start += unitSize, index++)
        {
            long size = Math.Min(unitSize, total - start);
            units.Add(new PlannedUnit((int)index, $"unit {index}", [new($"unit{index}.weight", [size])]));
        }
        return units;
    }

    /// <summary>The parameters of the largest unit: what ZeRO-3 must gather at once.</summary>
    public static long LargestUnitElements(IReadOnlyList<PlannedUnit> units) => units.Count == 0 ? 0 : units.Max(u => u.Elements);

    /// <summary>
    /// DeepSpeed's <c>largest_layer_params</c>: the parameters of the largest module counting only its own tensors
    /// (<c>parameters(recurse=False)</c>), i.e. the largest linear or embedding, with its bias.
    /// </summary>
    public static long LargestModuleElements(ModelConfig config) =>
        Of(config).SelectMany(u => u.Parameters)
            .GroupBy(p => p.Name[..p.Name.LastIndexOf('.')])
            .Max(g => g.Sum(p => p.Elements));

    private static IEnumerable<PlannedParameter> Adapters(PlannedParameter linear, int rank)
    {
        string module = linear.Name[..^".weight".Length];
        long outFeatures = linear.Shape[0], inFeatures = linear.Shape[1];
        yield return new PlannedParameter(module + ".lora_A.weight", [rank, inFeatures]);
        yield return new PlannedParameter(module + ".lora_B.weight", [outFeatures, rank]);
    }

    private static List<PlannedParameter> LayerParameters(ModelConfig config, int layer)
    {
        string prefix = $"model.layers.{layer}";
        long hidden = config.HiddenSize, inter = config.IntermediateSize;
        long qWidth = (long)config.NumAttentionHeads * config.HeadDim, kvWidth = (long)config.NumKeyValueHeads * config.HeadDim;
        bool qkvBias = config.AttentionBias || config.QkvBias;
        var parameters = new List<PlannedParameter>();
        void Linear(string block, string name, long outFeatures, long inFeatures, bool bias)
        {
            string module = $"{prefix}.{block}.{name}";
            parameters.Add(new PlannedParameter(module + ".weight", [outFeatures, inFeatures], name));
            if (bias)
            {
                parameters.Add(new PlannedParameter(module + ".bias", [outFeatures]));
            }
        }
        Linear("self_attn", "q_proj", qWidth, hidden, qkvBias);
        Linear("self_attn", "k_proj", kvWidth, hidden, qkvBias);
        Linear("self_attn", "v_proj", kvWidth, hidden, qkvBias);
        Linear("self_attn", "o_proj", hidden, qWidth, config.AttentionBias);
        Linear("mlp", "gate_proj", inter, hidden, false);
        Linear("mlp", "up_proj", inter, hidden, false);
        Linear("mlp", "down_proj", hidden, inter, false);
        parameters.Add(new PlannedParameter($"{prefix}.input_layernorm.weight", [hidden]));
        parameters.Add(new PlannedParameter($"{prefix}.post_attention_layernorm.weight", [hidden]));
        return parameters;
    }
}
