using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Models;

/// <summary>Maps HF <c>config.json</c> keys to <see cref="ModelConfig"/> and back.</summary>
internal static class ModelConfigJson
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    private static readonly Dictionary<string, string> Architectures = new(StringComparer.Ordinal)
    {
        ["llama"] = "LlamaForCausalLM",
        ["mistral"] = "MistralForCausalLM",
        ["qwen2"] = "Qwen2ForCausalLM",
    };

    private static readonly string[] Dtypes = ["float32", "bfloat16", "float16"];

    public static ModelConfig Parse(JsonObject json, string path)
    {
        var reader = new JsonFieldReader(json, path);
        var modelType = reader.OptionalString("model_type")
            ?? throw new InvalidDataException($"{path}: required key 'model_type' is missing");
        if (!Architectures.ContainsKey(modelType))
        {
            throw new InvalidDataException(
                $"{path}: model_type '{modelType}' is not supported (supported: {string.Join(", ", Architectures.Keys)})");
        }
        var hiddenAct = reader.OptionalString("hidden_act") ?? "silu";
        if (hiddenAct != "silu")
        {
            throw new InvalidDataException($"{path}: hidden_act '{hiddenAct}' is not supported (only silu)");
        }
        var dtype = reader.OptionalString("torch_dtype") ?? reader.OptionalString("dtype") ?? "float32";
        if (!Dtypes.Contains(dtype))
        {
            throw new InvalidDataException(
                $"{path}: torch_dtype '{dtype}' is not supported (supported: {string.Join(", ", Dtypes)})");
        }

        var vocab = reader.RequiredInt("vocab_size");
        var hidden = reader.RequiredInt("hidden_size");
        var heads = reader.RequiredInt("num_attention_heads");
        var kvHeads = reader.OptionalInt("num_key_value_heads") ?? heads;
        var headDim = reader.OptionalInt("head_dim") ?? (heads > 0 ? hidden / heads : 0);
        var config = new ModelConfig
        {
            ModelType = modelType,
            VocabSize = vocab,
            HiddenSize = hidden,
            IntermediateSize = reader.RequiredInt("intermediate_size"),
            NumHiddenLayers = reader.RequiredInt("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = headDim,
            RmsNormEps = reader.OptionalDouble("rms_norm_eps") ?? 1e-6,
            RopeTheta = reader.OptionalDouble("rope_theta") ?? 10000.0,
            RopeScaling = ParseRopeScaling(reader),
            TieWordEmbeddings = reader.OptionalBool("tie_word_embeddings") ?? false,
            MaxPositionEmbeddings = reader.OptionalInt("max_position_embeddings") ?? 2048,
            TorchDtype = dtype,
            InitializerRange = reader.OptionalDouble("initializer_range") ?? 0.02,
            AttentionBias = reader.OptionalBool("attention_bias") ?? false,
            QkvBias = modelType == "qwen2",
            SlidingWindow = ParseSlidingWindow(reader, modelType),
            BosTokenId = reader.OptionalInt("bos_token_id"),
            EosTokenIds = reader.OptionalIntOrList("eos_token_id") ?? [],
            PadTokenId = reader.OptionalInt("pad_token_id"),
        };
        Validate(config, path);
        return config;
    }

    public static void Validate(ModelConfig config, string source)
    {
        void Positive(string key, int value)
        {
            if (value <= 0)
            {
                throw new InvalidDataException($"{source}: '{key}' must be positive, got {value}");
            }
        }
        Positive("vocab_size", config.VocabSize);
        Positive("hidden_size", config.HiddenSize);
        Positive("intermediate_size", config.IntermediateSize);
        Positive("num_hidden_layers", config.NumHiddenLayers);
        Positive("num_attention_heads", config.NumAttentionHeads);
        Positive("num_key_value_heads", config.NumKeyValueHeads);
        Positive("head_dim", config.HeadDim);
        if (config.NumAttentionHeads % config.NumKeyValueHeads != 0)
        {
            throw new InvalidDataException(
                $"{source}: num_attention_heads {config.NumAttentionHeads} is not a multiple of num_key_value_heads {config.NumKeyValueHeads}");
        }
        if (config.HeadDim % 2 != 0)
        {
            throw new InvalidDataException($"{source}: head_dim {config.HeadDim} must be even for rotary embeddings");
        }
        if (config.RmsNormEps <= 0 || config.RopeTheta <= 0)
        {
            throw new InvalidDataException($"{source}: rms_norm_eps and rope_theta must be positive");
        }
    }

    private static int? ParseSlidingWindow(JsonFieldReader reader, string modelType)
    {
        // Qwen2 configs carry a sliding_window value but only use it with use_sliding_window: true.
        if (modelType == "qwen2" && reader.OptionalBool("use_sliding_window") != true)
        {
            return null;
        }
        return modelType is "mistral" or "qwen2" ? reader.OptionalInt("sliding_window") : null;
    }

    private static RopeScaling? ParseRopeScaling(JsonFieldReader config)
    {
        var scaling = config.OptionalObject("rope_scaling");
        if (scaling is null)
        {
            return null;
        }
        var type = scaling.OptionalString("rope_type") ?? scaling.OptionalString("type")
            ?? throw new InvalidDataException($"{scaling.Path}: missing 'rope_type'");
        if (type == "default")
        {
            return null;
        }
        var factor = scaling.OptionalDouble("factor")
            ?? throw new InvalidDataException($"{scaling.Path}: missing 'factor'");
        if (factor <= 0)
        {
            throw new InvalidDataException($"{scaling.Path}: 'factor' must be positive, got {factor}");
        }
        return type switch
        {
            RopeScaling.Linear => new RopeScaling(type, factor),
            RopeScaling.Llama3 => new RopeScaling(
                type,
                factor,
                scaling.OptionalDouble("low_freq_factor") ?? throw new InvalidDataException($"{scaling.Path}: missing 'low_freq_factor'"),
                scaling.OptionalDouble("high_freq_factor") ?? throw new InvalidDataException($"{scaling.Path}: missing 'high_freq_factor'"),
                scaling.OptionalInt("original_max_position_embeddings")
                    ?? throw new InvalidDataException($"{scaling.Path}: missing 'original_max_position_embeddings'")),
            _ => throw new InvalidDataException(
                $"{scaling.Path}: rope_type '{type}' is not supported (supported: default, linear, llama3)"),
        };
    }

    public static string Write(ModelConfig config)
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray(Architectures[config.ModelType]),
            ["model_type"] = config.ModelType,
            ["vocab_size"] = config.VocabSize,
            ["hidden_size"] = config.HiddenSize,
            ["intermediate_size"] = config.IntermediateSize,
            ["num_hidden_layers"] = config.NumHiddenLayers,
            ["num_attention_heads"] = config.NumAttentionHeads,
            ["num_key_value_heads"] = config.NumKeyValueHeads,
            ["head_dim"] = config.HeadDim,
            ["hidden_act"] = "silu",
            ["rms_norm_eps"] = config.RmsNormEps,
            ["rope_theta"] = config.RopeTheta,
            ["rope_scaling"] = WriteRopeScaling(config.RopeScaling),
            ["tie_word_embeddings"] = config.TieWordEmbeddings,
            ["max_position_embeddings"] = config.MaxPositionEmbeddings,
            ["torch_dtype"] = config.TorchDtype,
            ["initializer_range"] = config.InitializerRange,
            ["attention_bias"] = config.AttentionBias,
            ["use_cache"] = true,
        };
        if (config.SlidingWindow is { } window)
        {
            json["sliding_window"] = window;
            if (config.ModelType == "qwen2")
            {
                json["use_sliding_window"] = true;
            }
        }
        if (config.BosTokenId is { } bos)
        {
            json["bos_token_id"] = bos;
        }
        if (config.EosTokenIds.Count > 0)
        {
            json["eos_token_id"] = config.EosTokenIds[0];
        }
        if (config.PadTokenId is { } pad)
        {
            json["pad_token_id"] = pad;
        }
        return json.ToJsonString(Indented);
    }

    private static JsonObject? WriteRopeScaling(RopeScaling? scaling) => scaling switch
    {
        null => null,
        { Type: RopeScaling.Linear } => new JsonObject { ["rope_type"] = scaling.Type, ["factor"] = scaling.Factor },
        _ => new JsonObject
        {
            ["rope_type"] = scaling.Type,
            ["factor"] = scaling.Factor,
            ["low_freq_factor"] = scaling.LowFreqFactor,
            ["high_freq_factor"] = scaling.HighFreqFactor,
            ["original_max_position_embeddings"] = scaling.OriginalMaxPositionEmbeddings,
        },
    };
}
