namespace SharpSpeed.Data.Templates;

/// <summary>
/// The chat templates SharpSpeed knows, chosen by --chat_template NAME or recognised in tokenizer_config.json's
/// Jinja chat_template by its distinctive literals. SharpSpeed never executes a Jinja template from a model folder.
/// </summary>
public static class ChatTemplates
{
    public static IReadOnlyList<string> Names { get; } = ["deepseek", "chatml", "llama-2", "oasst"];

    public static ChatTemplate FromName(string name) => name.ToLowerInvariant() switch
    {
        "deepseek" => new DeepSeekChatTemplate(),
        "chatml" => new ChatMlTemplate(),
        "llama-2" or "llama2" => new Llama2ChatTemplate(),
        "oasst" => new OasstChatTemplate(),
        _ => throw new ArgumentException($"--chat_template '{name}' is unknown; known: {string.Join(", ", Names)}", nameof(name)),
    };

    /// <summary>The known template a Jinja chat_template implements, or null when it is none of them.</summary>
    public static ChatTemplate? Recognise(string? jinja)
    {
        if (string.IsNullOrEmpty(jinja))
        {
            return null;
        }
        if (jinja.Contains("<|im_start|>", StringComparison.Ordinal))
        {
            return new ChatMlTemplate();
        }
        if (jinja.Contains("[INST]", StringComparison.Ordinal))
        {
            return new Llama2ChatTemplate();
        }
        if (jinja.Contains("<|prompter|>", StringComparison.Ordinal))
        {
            return new OasstChatTemplate();
        }
        if (jinja.Contains("'User: '", StringComparison.Ordinal) && jinja.Contains("'Assistant: '", StringComparison.Ordinal))
        {
            return new DeepSeekChatTemplate();
        }
        return null;
    }

    /// <summary>By name when given, else from the tokenizer's chat_template; a clear error when neither works.</summary>
    public static ChatTemplate Resolve(string? name, string? tokenizerChatTemplate, string tokenizerPath)
    {
        if (!string.IsNullOrWhiteSpace(name))
        {
            return FromName(name);
        }
        return Recognise(tokenizerChatTemplate) ?? throw new InvalidDataException(tokenizerChatTemplate is null
            ? $"{tokenizerPath}: tokenizer_config.json has no chat_template; pass --chat_template ({string.Join(", ", Names)})"
            : $"{tokenizerPath}: tokenizer_config.json's chat_template is not one SharpSpeed knows; pass --chat_template ({string.Join(", ", Names)})");
    }
}
