using System.Text.Json;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// The parts of HuggingFace's <c>tokenizer_config.json</c> that training and generation need: which tokens
/// are BOS/EOS/PAD/UNK, whether a BOS is expected in front of every text, and the chat template.
/// </summary>
public sealed record TokenizerConfig(
    string? BosToken,
    string? EosToken,
    string? PadToken,
    string? UnkToken,
    bool AddBosToken,
    bool AddEosToken,
    string? ChatTemplate)
{
    /// <summary>What a folder without tokenizer_config.json means: no declared special tokens, no template.</summary>
    public static TokenizerConfig Empty { get; } = new(null, null, null, null, false, false, null);

    public static TokenizerConfig Load(string path)
    {
        using var stream = File.OpenRead(path);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(stream, new JsonDocumentOptions { AllowTrailingCommas = true });
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{path}: line {e.LineNumber + 1}: not valid JSON: {e.Message}", e);
        }
        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new InvalidDataException($"{path}: expected a JSON object at the top level");
            }
            return new TokenizerConfig(
                TokenContent(path, root, "bos_token"),
                TokenContent(path, root, "eos_token"),
                TokenContent(path, root, "pad_token"),
                TokenContent(path, root, "unk_token"),
                Flag(path, root, "add_bos_token"),
                Flag(path, root, "add_eos_token"),
                ChatTemplateOf(path, root));
        }
    }

    /// <summary>A special token is written either as a plain string or as an AddedToken object with "content".</summary>
    private static string? TokenContent(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Object when value.TryGetProperty("content", out var content)
                                      && content.ValueKind == JsonValueKind.String => content.GetString(),
            _ => throw new InvalidDataException(
                $"{path}: key '{key}' must be a string or an object with a string 'content'"),
        };
    }

    private static bool Flag(string path, JsonElement root, string key)
    {
        if (!root.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{path}: key '{key}' must be true or false"),
        };
    }

    /// <summary>
    /// chat_template is a string, or (newer files) a list of {"name","template"} from which "default" is used.
    /// </summary>
    private static string? ChatTemplateOf(string path, JsonElement root)
    {
        if (!root.TryGetProperty("chat_template", out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind == JsonValueKind.String)
        {
            return value.GetString();
        }
        if (value.ValueKind == JsonValueKind.Array)
        {
            foreach (var entry in value.EnumerateArray())
            {
                if (entry.ValueKind == JsonValueKind.Object
                    && entry.TryGetProperty("name", out var name) && name.ValueEquals("default")
                    && entry.TryGetProperty("template", out var template) && template.ValueKind == JsonValueKind.String)
                {
                    return template.GetString();
                }
            }
            return null;
        }
        throw new InvalidDataException($"{path}: key 'chat_template' must be a string or a list of named templates");
    }
}
