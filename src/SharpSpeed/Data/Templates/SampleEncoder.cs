using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// Tokenizes samples segment by segment (so every token knows whether it is prompt or answer) and builds labels:
/// chat samples through the chat template, assistant tokens only unless <see cref="TrainOnPrompt"/>;
/// prompt/completion as BOS (if the tokenizer adds one) + prompt + completion + EOS with the completion (and EOS)
/// as labels; plain text as BOS? + text + EOS with labels equal to the ids, as DataCollatorForLanguageModeling(mlm=False)
/// does, except that EOS stays a label even when the pad token is the EOS token (the collator's pitfall: it masks
/// by pad id, so a model trained with it never learns to stop). Sequences longer than <see cref="MaxSeqLength"/>
/// keep their first tokens.
/// </summary>
public sealed class SampleEncoder
{
    private readonly HfTokenizer _tokenizer;
    private readonly int _bosId;
    private readonly int _eosId;

    public SampleEncoder(HfTokenizer tokenizer, ChatTemplate template, int maxSeqLength, bool trainOnPrompt = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSeqLength, 2);
        _tokenizer = tokenizer;
        Template = template;
        MaxSeqLength = maxSeqLength;
        TrainOnPrompt = trainOnPrompt;
        _eosId = tokenizer.EosId ?? throw new InvalidDataException(
            $"{tokenizer.TokenizerJsonPath}: the tokenizer declares no eos_token (tokenizer_config.json), which every template needs");
        _bosId = tokenizer.BosId ?? -1;
    }

    public ChatTemplate Template { get; }

    public int MaxSeqLength { get; }

    public bool TrainOnPrompt { get; }

    /// <summary>The id used to pad batches: the tokenizer's pad token, else EOS (padding carries label -100 anyway).</summary>
    public int PadId => _tokenizer.PadId ?? _eosId;

    public IEnumerable<TemplateSegment> Segments(DataSample sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        return sample.Kind switch
        {
            SampleKind.Chat => Template.Render(sample.Messages),
            SampleKind.PromptCompletion => PlainSegments(bosIsLabel: false,
                TemplateSegment.Prompt(sample.Messages[0].Content), TemplateSegment.Answer(sample.Messages[1].Content)),
            _ => PlainSegments(bosIsLabel: true, TemplateSegment.Answer(sample.Messages[0].Content)),
        };
    }

    public EncodedSample Encode(DataSample sample)
    {
        var ids = new List<int>();
        var labels = new List<int>();
        foreach (var segment in Segments(sample))
        {
            var trainable = segment.Trainable || TrainOnPrompt;
            foreach (var id in Ids(segment, sample))
            {
                ids.Add(id);
                labels.Add(trainable ? id : TokenizedExample.IgnoreIndex);
            }
        }
        var truncated = ids.Count > MaxSeqLength;
        if (truncated)
        {
            ids.RemoveRange(MaxSeqLength, ids.Count - MaxSeqLength);
            labels.RemoveRange(MaxSeqLength, labels.Count - MaxSeqLength);
        }
        return new EncodedSample(new TokenizedExample([.. ids], [.. labels]), truncated);
    }

    /// <summary>
    /// What a chat model sees before it answers (HF's add_generation_prompt): the conversation and the template's
    /// assistant prefix, tokenized segment by segment exactly as in training, so the model is asked in its own format.
    /// </summary>
    public int[] EncodeGenerationPrompt(IReadOnlyList<ChatMessage> conversation, string source)
    {
        var sample = DataSample.Chat(conversation, source);
        return [.. Template.RenderGenerationPrompt(conversation).SelectMany(segment => Ids(segment, sample))];
    }

    private IEnumerable<TemplateSegment> PlainSegments(bool bosIsLabel, params TemplateSegment[] body)
    {
        if (_tokenizer.AddBosToken)
        {
            yield return TemplateSegment.Bos(bosIsLabel);
        }
        foreach (var segment in body)
        {
            yield return segment;
        }
        yield return TemplateSegment.Eos(trainable: true);
    }

    private int[] Ids(TemplateSegment segment, DataSample sample) => segment.Part switch
    {
        SegmentPart.Text => segment.Text.Length == 0 ? [] : _tokenizer.Encode(segment.Text, addSpecialTokens: false),
        SegmentPart.Eos => [_eosId],
        SegmentPart.Bos => _bosId >= 0
            ? [_bosId]
            : throw new InvalidDataException(
                $"{sample.Source}: template {Template.Name} needs a BOS token but {_tokenizer.TokenizerJsonPath} declares none"),
        _ => _tokenizer.TokenToId(segment.Text) is { } id ? [id] : _tokenizer.Encode(segment.Text, addSpecialTokens: false),
    };
}
