using System.CommandLine;
using System.Text.Json;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Templates.Jinja;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed tokenize --tokenizer DIR|FILE (--text TEXT | --file F) [--json]</c>: the ids HF
/// <c>tokenizer.encode(text)</c> gives (special tokens of the post-processor included). With
/// <c>--messages FILE.json [--add_generation_prompt] [--chat_template FILE.jinja]</c>: the conversation rendered by the
/// model's chat template as <c>apply_chat_template</c> renders it, and its ids (no extra special tokens, as HF).
/// </summary>
internal static class TokenizeCommand
{
    public const string DefaultTokenizer = "tokenizers/deepseek-tiny";

    public static Command Create()
    {
        var tokenizerOption = new Option<string?>("--tokenizer")
        {
            Description = "tokenizer.json, or a folder with tokenizer.json (+ tokenizer_config.json). " +
                          "Default: the bundled deepseek-tiny tokenizer.",
        };
        var textOption = new Option<string?>("--text") { Description = "Text to encode." };
        var fileOption = new Option<FileInfo?>("--file") { Description = "UTF-8 file whose whole content is encoded." };
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object {\"ids\": [...]} ({\"text\", \"ids\"} with --messages) and nothing else." };
        var messagesOption = new Option<FileInfo?>("--messages")
        {
            Description = "JSON file with a list of {\"role\", \"content\"} messages (or {\"messages\": [...], \"tools\": [...]}), " +
                          "rendered with the tokenizer_config.json chat_template.",
        };
        var generationPromptOption = new Option<bool>("--add_generation_prompt") { Description = "With --messages: end with the assistant's turn header." };
        var chatTemplateOption = new Option<FileInfo?>("--chat_template") { Description = "With --messages: a .jinja file to use instead of the tokenizer's template." };
        var command = new Command("tokenize", "Encode text with a HuggingFace tokenizer.json (ids identical to HF tokenizers).")
        {
            tokenizerOption, textOption, fileOption, jsonOption, messagesOption, generationPromptOption, chatTemplateOption,
        };
        command.Validators.Add(result =>
        {
            var given = new[] { textOption.Name, fileOption.Name, messagesOption.Name }.Count(name => result.GetResult(name) is not null);
            if (given != 1)
            {
                result.AddError("tokenize: give exactly one of --text TEXT, --file F or --messages FILE.json");
            }
        });
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var tokenizerPath = parse.GetValue(tokenizerOption) ?? BundledAssets.Locate(DefaultTokenizer);
            var tokenizer = HfTokenizer.FromPath(tokenizerPath);
            if (parse.GetValue(messagesOption) is { } messages)
            {
                var template = LoadTemplate(parse.GetValue(chatTemplateOption), tokenizer, tokenizerPath);
                var (conversation, tools) = ReadMessages(messages);
                var rendered = template.Render(conversation, parse.GetValue(generationPromptOption), tools);
                var renderedIds = tokenizer.Encode(rendered, addSpecialTokens: false);
                if (parse.GetValue(jsonOption))
                {
                    output.WriteLine(JsonSerializer.Serialize(new { text = rendered, ids = renderedIds }, Readable));
                }
                else
                {
                    output.WriteLine(rendered);
                    WriteTable(output, tokenizer, renderedIds);
                }
                return 0;
            }
            var file = parse.GetValue(fileOption);
            var text = file is null ? parse.GetValue(textOption)! : ReadText(file);
            var ids = tokenizer.Encode(text);
            if (parse.GetValue(jsonOption))
            {
                output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, int[]> { ["ids"] = ids }));
            }
            else
            {
                WriteTable(output, tokenizer, ids);
            }
            return 0;
        });
        return command;
    }

    private static HfChatTemplate LoadTemplate(FileInfo? file, HfTokenizer tokenizer, string tokenizerPath) =>
        file is not null
            ? new HfChatTemplate(ReadText(file), file.FullName, tokenizer.Config)
            : HfChatTemplate.FromConfig(tokenizer.Config, tokenizerPath) ?? throw new InvalidDataException(
                $"{tokenizerPath}: tokenizer_config.json has no chat_template; pass --chat_template FILE.jinja");

    /// <summary>A list of messages, or an object with "messages" (and optionally "tools"), as template values.</summary>
    private static (List<object?> Messages, object? Tools) ReadMessages(FileInfo file)
    {
        using var document = JsonDocument.Parse(ReadText(file));
        var value = JinjaJson.FromJson(document.RootElement);
        return value switch
        {
            List<object?> list => (list, null),
            Dictionary<string, object?> root when root.TryGetValue("messages", out var m) && m is List<object?> list =>
                (list, root.TryGetValue("tools", out var tools) ? tools : null),
            _ => throw new InvalidDataException($"{file.FullName}: expected a JSON list of messages or an object with a \"messages\" list"),
        };
    }

    private static string ReadText(FileInfo file) =>
        file.Exists ? File.ReadAllText(file.FullName) : throw new FileNotFoundException($"{file.FullName}: no such file");

    private static readonly JsonSerializerOptions Readable = new()
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Human-readable form: the count, the ids, then each id with its token and the text it decodes to.</summary>
    private static void WriteTable(TextWriter output, HfTokenizer tokenizer, int[] ids)
    {
        output.WriteLine($"{ids.Length} tokens ({tokenizer.TokenizerJsonPath})");
        output.WriteLine(string.Join(' ', ids));
        foreach (var id in ids)
        {
            var token = JsonSerializer.Serialize(tokenizer.IdToToken(id), Readable);
            var text = JsonSerializer.Serialize(tokenizer.Decode([id], skipSpecialTokens: false), Readable);
            output.WriteLine($"{id,8}  {token,-28} {text}");
        }
    }
}
