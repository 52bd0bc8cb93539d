using System.Text.Json;

namespace SharpSpeed.Planning;

/// <summary>
/// Reads the dimensions of a LLaMA-family model from a HuggingFace <c>config.json</c> (a model folder or the file
/// itself). Only plain JSON numbers and booleans are read; nothing in the file is executed.
/// </summary>
public static class ModelShapeReader
{
    public static ModelShape FromPath(string folderOrFile)
    {
        var file = Directory.Exists(folderOrFile) ? Path.Combine(folderOrFile, "config.json") : folderOrFile;
        if (!File.Exists(file))
        {
            throw new FileNotFoundException($"{file}: model config not found (expected an HF config.json)", file);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(File.ReadAllBytes(file));
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{file}: not valid JSON (line {e.LineNumber + 1}): {e.Message}", e);
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{file}: expected a JSON object at the top level");
            }
            int hidden = ReadInt(root, file, "hidden_size");
            int heads = ReadInt(root, file, "num_attention_heads");
            int kvHeads = root.TryGetProperty("num_key_value_heads", out _)
                ? ReadInt(root, file, "num_key_value_heads")
                : heads;
            try
            {
                return ModelShape.FromDimensions(
                    hiddenSize: hidden,
                    numLayers: ReadInt(root, file, "num_hidden_layers"),
                    numHeads: heads,
                    numKvHeads: kvHeads,
                    intermediateSize: ReadInt(root, file, "intermediate_size"),
                    vocabSize: ReadInt(root, file, "vocab_size"),
                    tiedEmbeddings: ReadBool(root, file, "tie_word_embeddings", defaultValue: false));
            }
            catch (ArgumentException e)
            {
                throw new InvalidDataException($"{file}: {e.Message}", e);
            }
        }
    }

    private static int ReadInt(JsonElement root, string file, string key)
    {
        if (!root.TryGetProperty(key, out var value))
        {
            throw new InvalidDataException($"{file}: missing key '{key}'");
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetInt32(out var number) || number <= 0)
        {
            throw new InvalidDataException($"{file}: key '{key}' must be a positive integer, got {value.GetRawText()}");
        }
        return number;
    }

    private static bool ReadBool(JsonElement root, string file, string key, bool defaultValue)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return defaultValue;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{file}: key '{key}' must be true or false, got {value.GetRawText()}"),
        };
    }
}
