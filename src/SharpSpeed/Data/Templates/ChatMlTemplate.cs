using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// ChatML: <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per message, no BOS. Labels: assistant content
/// and its &lt;|im_end|&gt; (the stop token); the newline after it is prompt.
/// </summary>
public sealed class ChatMlTemplate : ChatTemplate
{
    public override string Name => "chatml";

    public override IEnumerable<TemplateSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        foreach (var message in messages)
        {
            var assistant = message.Role == ChatRole.Assistant;
            yield return TemplateSegment.Special("<|im_start|>", false);
            yield return TemplateSegment.Prompt(message.Role.ToString().ToLowerInvariant() + "\n");
            yield return new TemplateSegment(SegmentPart.Text, message.Content, assistant);
            yield return TemplateSegment.Special("<|im_end|>", assistant);
            yield return TemplateSegment.Prompt("\n");
        }
    }
}
