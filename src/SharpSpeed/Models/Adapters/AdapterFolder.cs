using System.Text.Json;
using System.Text.Json.Nodes;
using SharpSpeed.IO;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Adapters;

/// <summary>
/// A LoRA adapter folder exactly as PEFT's <c>save_pretrained</c> writes it, so <c>PeftModel.from_pretrained</c> loads
/// it: <c>adapter_config.json</c> (LoraConfig's fields, keys sorted, indent 2) and <c>adapter_model.safetensors</c>
/// with tensors named <c>base_model.model.&lt;module path&gt;.lora_A.weight</c> / <c>.lora_B.weight</c> (PEFT strips
/// the adapter name "default" from the keys it saves).
/// </summary>
public static class AdapterFolder
{
    public const string ConfigFileName = "adapter_config.json";
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>What PEFT prefixes to the wrapped model's parameter names (PeftModel.base_model = LoraModel, whose .model is the HF model).</summary>
    public const string KeyPrefix = "base_model.model.";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static bool IsAdapterFolder(string path) => File.Exists(Path.Combine(path, ConfigFileName));

    /// <summary>
    /// Writes the folder from the adapters' weights by model name (<c>model.layers.0.self_attn.q_proj.lora_A.weight</c>),
    /// in the dtype they have. target_modules lists the wrapped modules' names (PEFT expands <c>all-linear</c> so too).
    /// </summary>
    public static void Save(string directory, LoraConfig config, IReadOnlyDictionary<string, Tensor> weights)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(weights);
        Directory.CreateDirectory(directory);
        var modules = weights.Keys
            .Where(k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal))
            .Select(k => k[..^".lora_A.weight".Length])
            .Select(path => path[(path.LastIndexOf('.') + 1)..])
            .Distinct(StringComparer.Ordinal)
            .Order(StringComparer.Ordinal);
        var json = new JsonObject
        {
            ["alpha_pattern"] = new JsonObject(),
            ["auto_mapping"] = null,
            ["base_model_name_or_path"] = config.BaseModelNameOrPath,
            ["bias"] = "none",
            ["fan_in_fan_out"] = false,
            ["inference_mode"] = true,
            ["init_lora_weights"] = true,
            ["layer_replication"] = null,
            ["layers_pattern"] = null,
            ["layers_to_transform"] = null,
            ["loftq_config"] = new JsonObject(),
            ["lora_alpha"] = config.Alpha == Math.Floor(config.Alpha) ? JsonValue.Create((long)config.Alpha) : JsonValue.Create(config.Alpha),
            ["lora_dropout"] = config.Dropout,
            ["megatron_config"] = null,
            ["megatron_core"] = "megatron.core",
            ["modules_to_save"] = null,
            ["peft_type"] = "LORA",
            ["r"] = config.R,
            ["rank_pattern"] = new JsonObject(),
            ["revision"] = null,
            ["target_modules"] = new JsonArray([.. modules.Select(m => (JsonNode?)m)]),
            ["task_type"] = "CAUSAL_LM",
            ["use_dora"] = false,
            ["use_rslora"] = config.UseRslora,
        };
        File.WriteAllText(Path.Combine(directory, ConfigFileName), json.ToJsonString(Indented));
        SafetensorsWriter.Save(Path.Combine(directory, WeightsFileName),
            weights.Select(w => KeyValuePair.Create(KeyPrefix + w.Key, w.Value)));
    }

    /// <summary>Reads adapter_config.json; refuses what this LoRA does not compute (DoRA, biases, per-module ranks, fan_in_fan_out).</summary>
    public static LoraConfig LoadConfig(string directory)
    {
        var path = Path.Combine(directory, ConfigFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: not found; an adapter folder holds {ConfigFileName} and {WeightsFileName}", path);
        }
        var json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject
                   ?? throw new InvalidDataException($"{path}: not a JSON object");
        var fields = new JsonFieldReader(json, path);
        if (fields.OptionalString("peft_type") is { } type && type != "LORA")
        {
            throw new InvalidDataException($"{path}: peft_type '{type}' is not supported (LORA)");
        }
        if (fields.OptionalString("bias") is { } bias && bias != "none")
        {
            throw new InvalidDataException($"{path}: bias '{bias}' is not supported (none)");
        }
        foreach (var flag in (string[])["use_dora", "fan_in_fan_out"])
        {
            if (fields.OptionalBool(flag) == true)
            {
                throw new InvalidDataException($"{path}: {flag} true is not supported");
            }
        }
        foreach (var pattern in (string[])["rank_pattern", "alpha_pattern"])
        {
            if (json[pattern] is JsonObject { Count: > 0 })
            {
                throw new InvalidDataException($"{path}: a non-empty {pattern} (per-module r / alpha) is not supported");
            }
        }
        var targets = json["target_modules"] switch
        {
            JsonArray list => [.. list.Select(n => n?.GetValue<string>() ?? throw new InvalidDataException($"{path}: target_modules holds null"))],
            JsonValue value when value.TryGetValue<string>(out var text) => LoraConfig.ParseTargets(text),
            _ => throw new InvalidDataException($"{path}: target_modules must be a list of module names or a string"),
        };
        return new LoraConfig
        {
            R = fields.RequiredInt("r"),
            Alpha = fields.OptionalDouble("lora_alpha") ?? 8,
            Dropout = fields.OptionalDouble("lora_dropout") ?? 0,
            TargetModules = targets,
            UseRslora = fields.OptionalBool("use_rslora") ?? false,
            BaseModelNameOrPath = fields.OptionalString("base_model_name_or_path"),
        };
    }

    /// <summary>The adapter's tensors by model name (PEFT's prefix removed), converted to <paramref name="dtype"/>.</summary>
    public static Dictionary<string, Tensor> LoadWeights(string directory, ScalarType? dtype = null)
    {
        var path = Path.Combine(directory, WeightsFileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: not found (only safetensors adapters are read)", path);
        }
        var loaded = SafetensorsReader.Load(path, dtype);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (key, tensor) in loaded)
        {
            if (!key.StartsWith(KeyPrefix, StringComparison.Ordinal) ||
                !(key.EndsWith(".lora_A.weight", StringComparison.Ordinal) || key.EndsWith(".lora_B.weight", StringComparison.Ordinal)))
            {
                foreach (var t in loaded.Values)
                {
                    t.Dispose();
                }
                throw new InvalidDataException($"{path}: tensor '{key}' is not a LoRA factor named {KeyPrefix}<module>.lora_A/lora_B.weight");
            }
            result[key[KeyPrefix.Length..]] = tensor;
        }
        return result;
    }
}
