using System.CommandLine;
using System.Text.Json;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed tokenize --tokenizer DIR|FILE (--text TEXT | --file F) [--json]</c>: the ids HF
/// <c>tokenizer.encode(text)</c> gives (special tokens of the post-processor included).
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
        var jsonOption = new Option<bool>("--json") { Description = "Print one JSON object {\"ids\": [...]} and nothing else." };
        var command = new Command("tokenize", "Encode text with a HuggingFace tokenizer.json (ids identical to HF tokenizers).")
        {
            tokenizerOption, textOption, fileOption, jsonOption,
        };
        command.Validators.Add(result =>
        {
            var hasText = result.GetResult(textOption) is not null;
            var hasFile = result.GetResult(fileOption) is not null;
            if (hasText == hasFile)
            {
                result.AddError("tokenize: give exactly one of --text TEXT or --file F");
            }
        });
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var tokenizerPath = parse.GetValue(tokenizerOption) ?? BundledAssets.Locate(DefaultTokenizer);
                var tokenizer = HfTokenizer.FromPath(tokenizerPath);
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
            }
            catch (Exception e) when (e is IOException or InvalidDataException or NotSupportedException
                                          or UnauthorizedAccessException)
            {
                error.WriteLine($"sharpspeed tokenize: {e.Message}");
                return 1;
            }
        });
        return command;
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
