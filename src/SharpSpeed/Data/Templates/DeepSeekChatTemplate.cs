using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// DeepSeek-LLM chat's template: BOS once, then <c>User: {q}\n\n</c>, <c>Assistant: {a}&lt;eos&gt;</c>, and a system
/// message as <c>{s}\n\n</c>. Labels: the assistant content (with its leading space) and its EOS.
/// </summary>
public sealed class DeepSeekChatTemplate : ChatTemplate
{
    public override string Name => "deepseek";

    public override IEnumerable<TemplateSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        yield return TemplateSegment.Bos();
        foreach (var message in messages)
        {
            switch (message.Role)
            {
                case ChatRole.User:
                    yield return TemplateSegment.Prompt("User: " + message.Content + "\n\n");
                    break;
                case ChatRole.Assistant:
                    yield return TemplateSegment.Prompt("Assistant:");
                    yield return TemplateSegment.Answer(" " + message.Content);
                    yield return TemplateSegment.Eos(trainable: true);
                    break;
                default:
                    yield return TemplateSegment.Prompt(message.Content + "\n\n");
                    break;
            }
        }
    }
}
