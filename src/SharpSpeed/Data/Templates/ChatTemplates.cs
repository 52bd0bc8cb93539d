using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// The chat templates SharpSpeed knows, chosen by --chat_template NAME or recognised in tokenizer_config.json's
/// Jinja chat_template by its distinctive literals; and <c>auto</c>, the model's own Jinja template (see <see cref="Resolve"/>).
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

    /// <summary>
    /// --chat_template: <c>auto</c> (the default, also when null) renders the model's own Jinja template from
    /// tokenizer_config.json when it has one, else fails as before, asking for --chat_template; a path to a
    /// <c>.jinja</c> file renders that template; any other value names a built-in template.
    /// </summary>
    public static ChatTemplate Resolve(string? name, TokenizerConfig config, string tokenizerPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (!string.IsNullOrWhiteSpace(name) && !name.Equals(Auto, StringComparison.OrdinalIgnoreCase))
        {
            if (name.EndsWith(".jinja", StringComparison.OrdinalIgnoreCase) || File.Exists(name))
            {
                if (!File.Exists(name))
                {
                    throw new FileNotFoundException($"--chat_template {name}: no such template file", name);
                }
                var source = File.ReadAllText(name);
                return new JinjaChatTemplate(new HfChatTemplate(source, name, config with { ChatTemplate = source }), Path.GetFileName(name));
            }
            return FromName(name);
        }
        if (config.ChatTemplate is not null)
        {
            return new JinjaChatTemplate(new HfChatTemplate(config.ChatTemplate, tokenizerPath + ": tokenizer_config.json chat_template", config),
                "tokenizer_config");
        }
        throw new InvalidDataException(
            $"{tokenizerPath}: tokenizer_config.json has no chat_template; pass --chat_template ({string.Join(", ", Names)} or FILE.jinja)");
    }

    /// <summary>The default --chat_template value.</summary>
    public const string Auto = "auto";
}
