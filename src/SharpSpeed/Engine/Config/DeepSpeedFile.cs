using System.Text.Json;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// A DeepSpeed config file, read and parsed once per run: every reconciliation with the training arguments (before and
/// after the run's step count is known) reads the same JSON, even if the file changes on disk meanwhile.
/// </summary>
public sealed record DeepSpeedFile(string Path, JsonElement Root)
{
    public static DeepSpeedFile Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new DeepSpeedConfigException($"{path}: cannot read the DeepSpeed config: {e.Message}", e);
        }
        return FromJson(path, text);
    }

    /// <summary>The config from its text; <paramref name="path"/> names it in every error.</summary>
    public static DeepSpeedFile FromJson(string path, string json)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var document = JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 64 });
            return new DeepSpeedFile(path, document.RootElement.Clone());
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? $" at line {l + 1}" : "";
            throw new DeepSpeedConfigException($"{path}: not valid JSON{line}: {e.Message}", e);
        }
    }
}
