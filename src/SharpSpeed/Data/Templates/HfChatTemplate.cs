using System.Security.Cryptography;
using System.Text;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Templates.Jinja;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// A model's own Jinja chat template rendered as HF's <c>tokenizer.apply_chat_template(messages, tokenize=False)</c>
/// renders it: variables <c>messages</c>, <c>tools</c> and <c>documents</c> (None unless given),
/// <c>add_generation_prompt</c>, and the special tokens of tokenizer_config.json (<c>bos_token</c>, <c>eos_token</c>,
/// <c>pad_token</c>, <c>unk_token</c>, those that are set).
/// </summary>
public sealed class HfChatTemplate
{
    private readonly JinjaTemplate _template;
    private readonly TokenizerConfig _tokens;

    public HfChatTemplate(string source, string sourceName, TokenizerConfig tokens)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentNullException.ThrowIfNull(tokens);
        _template = JinjaTemplate.Parse(source, sourceName);
        _tokens = tokens;
        Source = source;
        Fingerprint = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(source)))[..12];
    }

    /// <summary>The template of tokenizer_config.json, or null when it declares none.</summary>
    public static HfChatTemplate? FromConfig(TokenizerConfig config, string configPath)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.ChatTemplate is null ? null : new HfChatTemplate(config.ChatTemplate, configPath + " (chat_template)", config);
    }

    public string Source { get; }

    /// <summary>Short hash of the template text: part of token-cache keys, so an edited template re-tokenizes.</summary>
    public string Fingerprint { get; }

    public string Render(IReadOnlyList<ChatMessage> messages, bool addGenerationPrompt) =>
        Render(ToTemplateMessages(messages), addGenerationPrompt);

    /// <summary>Messages as template values (e.g. parsed with <see cref="JinjaJson.FromJson"/>, tool calls included).</summary>
    public string Render(List<object?> messages, bool addGenerationPrompt, object? tools = null) =>
        RenderWithGenerationSpans(messages, addGenerationPrompt, tools).Text;

    public (string Text, IReadOnlyList<(int Start, int End)> GenerationSpans) RenderWithGenerationSpans(
        List<object?> messages, bool addGenerationPrompt, object? tools = null)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var variables = new Dictionary<string, object?>
        {
            ["messages"] = messages,
            ["tools"] = tools,
            ["documents"] = null,
            ["add_generation_prompt"] = addGenerationPrompt,
        };
        AddToken(variables, "bos_token", _tokens.BosToken);
        AddToken(variables, "eos_token", _tokens.EosToken);
        AddToken(variables, "pad_token", _tokens.PadToken);
        AddToken(variables, "unk_token", _tokens.UnkToken);
        return _template.RenderWithGenerationSpans(variables);
    }

    public static List<object?> ToTemplateMessages(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        return [.. messages.Select(m => (object?)new Dictionary<string, object?>
        {
            ["role"] = m.Role.ToString().ToLowerInvariant(),
            ["content"] = m.Content,
        })];
    }

    private static void AddToken(Dictionary<string, object?> variables, string name, string? token)
    {
        if (token is not null)
        {
            variables[name] = token;
        }
    }
}
