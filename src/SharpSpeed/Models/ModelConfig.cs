using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Models;

/// <summary>
/// The architecture of a LLaMA-family causal LM as HF's <c>config.json</c> describes it, with the token ids of
/// <c>generation_config.json</c> taking precedence (DeepSeek-LLM's config.json names wrong bos/eos ids).
/// </summary>
public sealed record ModelConfig
{
    public const string ConfigFileName = "config.json";
    public const string GenerationConfigFileName = "generation_config.json";

    public string ModelType { get; init; } = "llama";
    public int VocabSize { get; init; }
    public int HiddenSize { get; init; }
    public int IntermediateSize { get; init; }
    public int NumHiddenLayers { get; init; }
    public int NumAttentionHeads { get; init; }
    public int NumKeyValueHeads { get; init; }
    /// <summary>Per-head width; HF configs may set <c>head_dim</c>, otherwise hidden / heads.</summary>
    public int HeadDim { get; init; }
    public double RmsNormEps { get; init; } = 1e-6;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeScaling? RopeScaling { get; init; }
    public bool TieWordEmbeddings { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    /// <summary>HF dtype name: float32, bfloat16 or float16.</summary>
    public string TorchDtype { get; init; } = "float32";
    public double InitializerRange { get; init; } = 0.02;
    /// <summary>Bias on q, k, v and o projections (LLaMA's <c>attention_bias</c>).</summary>
    public bool AttentionBias { get; init; }
    /// <summary>Bias on q, k and v only (always on for Qwen2).</summary>
    public bool QkvBias { get; init; }
    /// <summary>Mistral's sliding attention window; null when attention is global.</summary>
    public int? SlidingWindow { get; init; }
    public int? BosTokenId { get; init; }
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];
    public int? PadTokenId { get; init; }

    public int KeyValueGroups => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>Reads <c>config.json</c> (and <c>generation_config.json</c> when present) from a model folder.</summary>
    public static ModelConfig LoadFromDirectory(string modelDir)
    {
        var configPath = Path.Combine(modelDir, ConfigFileName);
        if (!File.Exists(configPath))
        {
            throw new FileNotFoundException($"{configPath}: no config.json in model folder '{modelDir}'", configPath);
        }
        var config = LoadFile(configPath);
        var generationPath = Path.Combine(modelDir, GenerationConfigFileName);
        return File.Exists(generationPath) ? config.WithGenerationConfig(generationPath) : config;
    }

    /// <summary>Reads one HF <c>config.json</c> file.</summary>
    public static ModelConfig LoadFile(string configPath) =>
        ModelConfigJson.Parse(ParseObject(configPath), configPath);

    /// <summary>Applies the bos/eos/pad ids of a <c>generation_config.json</c>.</summary>
    public ModelConfig WithGenerationConfig(string generationConfigPath)
    {
        var json = ParseObject(generationConfigPath);
        var reader = new JsonFieldReader(json, generationConfigPath);
        return this with
        {
            BosTokenId = reader.OptionalInt("bos_token_id") ?? BosTokenId,
            EosTokenIds = reader.OptionalIntOrList("eos_token_id") ?? EosTokenIds,
            PadTokenId = reader.OptionalInt("pad_token_id") ?? PadTokenId,
        };
    }

    /// <summary>Parameter count of the model this config builds (lm_head counted once when tied).</summary>
    public long ParameterCount()
    {
        long hidden = HiddenSize, kvWidth = (long)NumKeyValueHeads * HeadDim, qWidth = (long)NumAttentionHeads * HeadDim;
        var attention = hidden * qWidth + 2 * hidden * kvWidth + qWidth * hidden;
        if (AttentionBias)
        {
            attention += qWidth + 2 * kvWidth + hidden;
        }
        else if (QkvBias)
        {
            attention += qWidth + 2 * kvWidth;
        }
        var mlp = 3 * hidden * IntermediateSize;
        var layer = attention + mlp + 2 * hidden;
        var embeddings = (long)VocabSize * hidden * (TieWordEmbeddings ? 1 : 2);
        return embeddings + NumHiddenLayers * layer + hidden;
    }

    /// <summary>The HF <c>config.json</c> text for this config.</summary>
    public string ToConfigJson() => ModelConfigJson.Write(this);

    /// <summary>The HF <c>generation_config.json</c> text (token ids only).</summary>
    public string ToGenerationConfigJson()
    {
        var json = new JsonObject { ["_from_model_config"] = false };
        if (BosTokenId is { } bos)
        {
            json["bos_token_id"] = bos;
        }
        if (EosTokenIds.Count == 1)
        {
            json["eos_token_id"] = EosTokenIds[0];
        }
        else if (EosTokenIds.Count > 1)
        {
            json["eos_token_id"] = new JsonArray(EosTokenIds.Select(id => (JsonNode?)id).ToArray());
        }
        if (PadTokenId is { } pad)
        {
            json["pad_token_id"] = pad;
        }
        return json.ToJsonString(ModelConfigJson.Indented);
    }

    internal static JsonObject ParseObject(string path)
    {
        JsonNode? node;
        try
        {
            node = JsonNode.Parse(File.ReadAllText(path));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException(
                $"{path}: not valid JSON (line {(e.LineNumber ?? 0) + 1}): {e.Message}", e);
        }
        return node as JsonObject ?? throw new InvalidDataException($"{path}: expected a JSON object at the top level");
    }
}
