using System.Buffers;
using System.Text.Json;
using SharpSpeed.Engine.Config;

namespace SharpSpeed.Training.DeepSpeedIntegration;

/// <summary>
/// HF Trainer's DeepSpeed integration (transformers' HfTrainerDeepSpeedConfig), applied to the file before the engine
/// reads it. An <c>"auto"</c> value takes the training arguments' value. A batch key the file leaves out comes from the
/// flags, as accelerate fills it, and one note says so. A value that contradicts a flag the user gave is refused; every
/// such value goes into one error that names both sides. The output is a plain DeepSpeed config for
/// <see cref="DeepSpeedConfigParser"/>, which knows no HF names.
/// </summary>
public static class HfDeepSpeedConfig
{
    public static DeepSpeedConfig Parse(DeepSpeedFile file, int worldSize, HfTrainingValues trainer)
    {
        ArgumentNullException.ThrowIfNull(file);
        ArgumentNullException.ThrowIfNull(trainer);
        var notes = new List<string>();
        var config = DeepSpeedConfigParser.Parse(Fill(file, worldSize, trainer, notes), worldSize);
        return config with { Notes = [.. notes, .. config.Notes] };
    }

    /// <summary>The file with HF's values in place of "auto" and the missing batch keys added; notes say what was added.</summary>
    private static DeepSpeedFile Fill(DeepSpeedFile file, int worldSize, HfTrainingValues trainer, List<string> notes)
    {
        if (file.Root.ValueKind != JsonValueKind.Object)
        {
            return file;
        }
        var fills = new Dictionary<string, HfValue>(StringComparer.Ordinal);
        var mismatches = new List<string>();
        foreach (var rule in HfAutoRules.For(worldSize, trainer))
        {
            if (Find(file.Root, rule.Path) is not { } current)
            {
                continue;
            }
            var value = rule.Value;
            if (current.ValueKind == JsonValueKind.String && current.GetString() == "auto")
            {
                fills[rule.Path] = value ?? throw new DeepSpeedConfigException(
                    $"{file.Path}: \"{rule.Path}\" is \"auto\", which HF fills with {rule.HfName}, but {rule.Missing}");
            }
            else if (rule.MustMatch && value is not null && trainer.WasGiven(rule.HfName) && !value.Matches(current))
            {
                mismatches.Add($"ds {rule.Path}={HfValue.Describe(current)} vs hf {rule.HfName}={value}");
            }
        }
        if (mismatches.Count > 0)
        {
            throw new DeepSpeedConfigException(
                $"{file.Path}: values that mismatch the training arguments: {string.Join("; ", mismatches)} " +
                "(the easiest fix is to set these DeepSpeed values to \"auto\")");
        }
        var added = MissingBatchKeys(file, worldSize, trainer, notes);
        return new DeepSpeedFile(file.Path, Rewrite(file.Root, fills, added));
    }

    /// <summary>accelerate's rule: a micro-batch or accumulation key the file leaves out takes the flag's value.</summary>
    private static Dictionary<string, HfValue> MissingBatchKeys(DeepSpeedFile file, int world, HfTrainingValues trainer, List<string> notes)
    {
        var added = new Dictionary<string, HfValue>(StringComparer.Ordinal);
        var taken = new List<string>();
        long micro = trainer.Arguments.PerDeviceTrainBatchSize, accumulation = trainer.Arguments.GradientAccumulationSteps;
        if (!IsGiven(file.Root, "train_micro_batch_size_per_gpu"))
        {
            added["train_micro_batch_size_per_gpu"] = new HfValue.Whole(micro);
            taken.Add($"train_micro_batch_size_per_gpu={micro} from --per_device_train_batch_size");
        }
        if (!IsGiven(file.Root, "gradient_accumulation_steps"))
        {
            added["gradient_accumulation_steps"] = new HfValue.Whole(accumulation);
            taken.Add($"gradient_accumulation_steps={accumulation} from --gradient_accumulation_steps");
        }
        if (taken.Count > 0)
        {
            var total = IsGiven(file.Root, "train_batch_size")
                ? ""
                : $"; train_batch_size = {micro} x {accumulation} x {world} rank(s) = {micro * accumulation * world}";
            notes.Add($"{file.Path}: batch keys not in the file: {string.Join(", ", taken)}{total}");
        }
        return added;
    }

    private static bool IsGiven(JsonElement root, string key) =>
        root.TryGetProperty(key, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>HF's find_config_node: the value at a dotted path through nested objects, or null.</summary>
    private static JsonElement? Find(JsonElement root, string path)
    {
        var node = root;
        foreach (var part in path.Split('.'))
        {
            if (node.ValueKind != JsonValueKind.Object || !node.TryGetProperty(part, out node))
            {
                return null;
            }
        }
        return node;
    }

    /// <summary>
    /// The same JSON with the filled values written in place and the added keys appended at the top level. Everything
    /// else, duplicate keys included, is copied as it is, so the engine's parser reports it as it would the original.
    /// </summary>
    private static JsonElement Rewrite(JsonElement root, Dictionary<string, HfValue> fills, Dictionary<string, HfValue> added)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            CopyProperties(writer, root, "", fills);
            foreach (var (key, value) in added)
            {
                writer.WritePropertyName(key);
                value.Write(writer);
            }
            writer.WriteEndObject();
        }
        using var document = JsonDocument.Parse(buffer.WrittenMemory);
        return document.RootElement.Clone();
    }

    private static void CopyProperties(Utf8JsonWriter writer, JsonElement node, string path, Dictionary<string, HfValue> fills)
    {
        foreach (var property in node.EnumerateObject())
        {
            var propertyPath = path.Length == 0 ? property.Name : path + "." + property.Name;
            writer.WritePropertyName(property.Name);
            if (fills.TryGetValue(propertyPath, out var value))
            {
                value.Write(writer);
            }
            else if (property.Value.ValueKind == JsonValueKind.Object)
            {
                writer.WriteStartObject();
                CopyProperties(writer, property.Value, propertyPath, fills);
                writer.WriteEndObject();
            }
            else
            {
                property.Value.WriteTo(writer);
            }
        }
    }
}
