using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// Open-Assistant's SFT format: <c>&lt;|prompter|&gt;{q}&lt;/s&gt;&lt;|assistant|&gt;{a}&lt;/s&gt;</c>, where &lt;/s&gt; is the
/// tokenizer's EOS; a system message becomes <c>&lt;|system|&gt;{s}&lt;/s&gt;</c>. Labels: the answer and its EOS.
/// </summary>
public sealed class OasstChatTemplate : ChatTemplate
{
    public override string Name => "oasst";

    public override IEnumerable<TemplateSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case ChatRole.User:
                    yield return TemplateSegment.Special("<|prompter|>", false);
                    yield return TemplateSegment.Prompt(message.Content);
                    yield return TemplateSegment.Eos(trainable: false);
                    break;
                case ChatRole.Assistant:
                    yield return TemplateSegment.Special("<|assistant|>", false);
                    yield return TemplateSegment.Answer(message.Content);
                    yield return TemplateSegment.Eos(trainable: true);
                    break;
                default:
                    yield return TemplateSegment.Special("<|system|>", false);
                    yield return TemplateSegment.Prompt(message.Content);
                    yield return TemplateSegment.Eos(trainable: false);
                    break;
            }
        }
    }
}
