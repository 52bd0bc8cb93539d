using System.Text.Json;
using SharpSpeed.IO;
using SharpSpeed.Tests.Data.Tokenization;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

public sealed class TokenizeCommandTests
{

    private static int[] IdsOf(string json)
    {
        using var document = JsonDocument.Parse(json);
        Assert.Equal(["ids"], document.RootElement.EnumerateObject().Select(p => p.Name));
        return document.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
    }

    [Fact]
    public void Json_output_is_one_object_with_HF_ids_of_the_bundled_tokenizer()
    {
        const string text = "User: 1+1 等于几？\n\nAssistant: 2<｜end▁of▁sentence｜>";
        var (exitCode, output, error) = Run("tokenize", "--text", text, "--json");
        Assert.Equal(0, exitCode);
        Assert.Equal("", error);
        Assert.Single(output.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        var folder = BundledAssets.Locate("tokenizers/deepseek-tiny");
        using var reference = new ReferenceTokenizer(Path.Combine(folder, "tokenizer.json"));
        Assert.Equal(reference.Encode(text), IdsOf(output));
    }

    [Fact]
    public void Reads_a_file_with_an_explicit_tokenizer_file()
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpspeed-tokenize-{Guid.NewGuid():N}.txt");
        File.WriteAllText(path, "Hello world, 你好世界! 12345");
        try
        {
            var (exitCode, output, _) = Run("tokenize", "--tokenizer",
                Path.Combine(TokenizerFamilies.Gpt2, "tokenizer.json"), "--file", path, "--json");
            Assert.Equal(0, exitCode);
            Assert.Equal(new[] { 15496, 995, 11, 220, 19526, 254, 25001, 121, 10310, 244, 45911, 234, 0, 17031, 2231 },
                IdsOf(output));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Needs_exactly_one_of_text_and_file()
    {
        Assert.NotEqual(0, Run("tokenize", "--json").ExitCode);
        var (exitCode, _, error) = Run("tokenize", "--text", "a", "--file", "b.txt");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("exactly one of --text", error);
    }

    [Fact]
    public void A_missing_tokenizer_is_one_clear_line()
    {
        var (exitCode, output, error) = Run("tokenize", "--tokenizer", "/no/such/tokenizer", "--text", "a", "--json");
        Assert.Equal(1, exitCode);
        Assert.Equal("", output);
        Assert.Equal("sharpspeed tokenize: /no/such/tokenizer: no such tokenizer file or folder", error.Trim());
    }
}
