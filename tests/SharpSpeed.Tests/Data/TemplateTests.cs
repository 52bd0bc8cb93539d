using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;

namespace SharpSpeed.Tests.Data;

/// <summary>
/// Templates against the text Jinja2 3.1.6 renders from the real templates (DeepSeek's from the bundled
/// tokenizer_config.json, HF's ChatML and Llama-2-chat templates), and labels with the real bundled tokenizer.
/// </summary>
public sealed class TemplateTests
{
    private const string Bos = "<｜begin▁of▁sentence｜>";
    private const string Eos = "<｜end▁of▁sentence｜>";

    private static readonly Lazy<HfTokenizer> Tokenizer =
        new(() => HfTokenizer.FromPath(BundledAssets.Locate("tokenizers/deepseek-tiny")));

    private static readonly ChatMessage[] Conversation =
    [
        new(ChatRole.System, "Be brief."),
        new(ChatRole.User, "What is 2+3?"),
        new(ChatRole.Assistant, "5"),
        new(ChatRole.User, "And 中文 ok?"),
        new(ChatRole.Assistant, "好的 yes"),
    ];

    private static string RenderText(ChatTemplate template) =>
        string.Concat(template.Render(Conversation).Select(s => s.Part switch
        {
            SegmentPart.Bos => Bos,
            SegmentPart.Eos => Eos,
            _ => s.Text,
        }));

    [Theory]
    [InlineData("deepseek", "<｜begin▁of▁sentence｜>Be brief.\n\nUser: What is 2+3?\n\nAssistant: 5<｜end▁of▁sentence｜>User: And 中文 ok?\n\nAssistant: 好的 yes<｜end▁of▁sentence｜>")]
    [InlineData("chatml", "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2+3?<|im_end|>\n<|im_start|>assistant\n5<|im_end|>\n<|im_start|>user\nAnd 中文 ok?<|im_end|>\n<|im_start|>assistant\n好的 yes<|im_end|>\n")]
    [InlineData("llama-2", "<｜begin▁of▁sentence｜>[INST] <<SYS>>\nBe brief.\n<</SYS>>\n\nWhat is 2+3? [/INST] 5 <｜end▁of▁sentence｜><｜begin▁of▁sentence｜>[INST] And 中文 ok? [/INST] 好的 yes <｜end▁of▁sentence｜>")]
    [InlineData("oasst", "<|system|>Be brief.<｜end▁of▁sentence｜><|prompter|>What is 2+3?<｜end▁of▁sentence｜><|assistant|>5<｜end▁of▁sentence｜><|prompter|>And 中文 ok?<｜end▁of▁sentence｜><|assistant|>好的 yes<｜end▁of▁sentence｜>")]
    public void RendersWhatTheJinjaTemplateRenders(string name, string expected)
    {
        Assert.Equal(expected, RenderText(ChatTemplates.FromName(name)));
    }

    [Fact]
    public void DeepSeek_SegmentIdsEqualTheWholeTextsIdsAndLabelsAreTheAnswers()
    {
        var tokenizer = Tokenizer.Value;
        // --chat_template auto: the bundled tokenizer_config.json's own Jinja template, rendered by the interpreter,
        // gives the hand-written DeepSeek template's text and, through prefix rendering, the same labels.
        var template = ChatTemplates.Resolve(null, tokenizer.Config, tokenizer.TokenizerJsonPath);
        Assert.StartsWith("jinja:tokenizer_config:", template.Name);
        Assert.Equal(RenderText(ChatTemplates.FromName("deepseek")), RenderText(template));
        var encoder = new SampleEncoder(tokenizer, template, maxSeqLength: 512);
        var encoded = encoder.Encode(DataSample.Chat(Conversation, "test"));
        Assert.False(encoded.Truncated);
        // HF encodes the rendered text (special tokens recognised as added tokens) to the same ids.
        Assert.Equal(tokenizer.Encode(RenderText(template), addSpecialTokens: false), encoded.Example.InputIds);
        var labelled = LabelledRuns(encoded.Example);
        Assert.Equal([" 5" + Eos, " 好的 yes" + Eos], labelled.Select(ids => tokenizer.Decode(ids, skipSpecialTokens: false)));
    }

    [Fact]
    public void TrainOnPrompt_LabelsEveryToken()
    {
        var tokenizer = Tokenizer.Value;
        var encoder = new SampleEncoder(tokenizer, new DeepSeekChatTemplate(), 512, trainOnPrompt: true);
        var example = encoder.Encode(DataSample.Chat(Conversation, "test")).Example;
        Assert.Equal(example.InputIds, example.Labels);
    }

    [Fact]
    public void PlainText_LabelsEqualIdsAndEosStaysALabelEvenWhenPadIsEos()
    {
        var tokenizer = Tokenizer.Value;
        var encoder = new SampleEncoder(tokenizer, new DeepSeekChatTemplate(), 512);
        var example = encoder.Encode(DataSample.Text("Hello world.", "t")).Example;
        Assert.Equal(tokenizer.Encode("Hello world.", addSpecialTokens: true).Append(tokenizer.EosId!.Value), example.InputIds);
        Assert.Equal(example.InputIds, example.Labels);
        // Padding a batch (pad ids carry -100) leaves the real EOS labelled, whatever the pad id is.
        using var batch = Collator.Pad([example, encoder.Encode(DataSample.Text("Hi", "t")).Example], padId: tokenizer.EosId!.Value);
        var labels = batch.Labels[1].data<long>().ToArray();
        Assert.Contains((long)tokenizer.EosId!.Value, labels);
        Assert.Equal(TokenizedExample.IgnoreIndex, labels[^1]);
    }

    [Fact]
    public void PromptCompletion_LabelsTheCompletionAndEos()
    {
        var tokenizer = Tokenizer.Value;
        var encoder = new SampleEncoder(tokenizer, new DeepSeekChatTemplate(), 512);
        var example = encoder.Encode(DataSample.PromptCompletion("Capital of France?", " Paris", "t")).Example;
        Assert.Equal([" Paris" + Eos], LabelledRuns(example).Select(ids => tokenizer.Decode(ids, skipSpecialTokens: false)));
    }

    [Fact]
    public void TruncationKeepsTheFirstTokens()
    {
        var tokenizer = Tokenizer.Value;
        var full = new SampleEncoder(tokenizer, new DeepSeekChatTemplate(), 512).Encode(DataSample.Chat(Conversation, "t"));
        var cut = new SampleEncoder(tokenizer, new DeepSeekChatTemplate(), 10).Encode(DataSample.Chat(Conversation, "t"));
        Assert.True(cut.Truncated);
        Assert.Equal(full.Example.InputIds.Take(10), cut.Example.InputIds);
        Assert.Equal(full.Example.Labels.Take(10), cut.Example.Labels);
    }

    [Fact]
    public void MissingChatTemplateAsksForAName()
    {
        var error = Assert.Throws<InvalidDataException>(() => ChatTemplates.Resolve("auto", TokenizerConfig.Empty, "tok.json"));
        Assert.Contains("--chat_template", error.Message);
        Assert.Throws<ArgumentException>(() => ChatTemplates.FromName("vicuna"));
    }

    [Fact]
    public void Llama2_RejectsNonAlternatingTurns()
    {
        Assert.Throws<InvalidDataException>(() =>
            new Llama2ChatTemplate().Render([new(ChatRole.User, "a"), new(ChatRole.User, "b")]).ToList());
    }

    /// <summary>Runs of consecutive labelled tokens.</summary>
    private static List<int[]> LabelledRuns(TokenizedExample example)
    {
        var runs = new List<int[]>();
        var current = new List<int>();
        for (var i = 0; i <= example.Length; i++)
        {
            if (i < example.Length && example.Labels[i] != TokenizedExample.IgnoreIndex)
            {
                Assert.Equal(example.InputIds[i], example.Labels[i]);
                current.Add(example.Labels[i]);
            }
            else if (current.Count > 0)
            {
                runs.Add([.. current]);
                current.Clear();
            }
        }
        return runs;
    }
}
