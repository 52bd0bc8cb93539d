using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// Llama-2-chat: every exchange is <c>&lt;s&gt;[INST] {q} [/INST] {a} &lt;/s&gt;</c> with contents stripped (HF's template strips the whole instruction, system block included); a system
/// message goes into the first instruction as <c>&lt;&lt;SYS&gt;&gt;\n{s}\n&lt;&lt;/SYS&gt;&gt;\n\n</c>. Labels: the
/// answer (with the spaces around it) and EOS.
/// </summary>
public sealed class Llama2ChatTemplate : ChatTemplate
{
    public override string Name => "llama-2";

    public override IEnumerable<TemplateSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        RequireAlternation(messages, Name);
        var system = messages.FirstOrDefault(m => m.Role == ChatRole.System)?.Content;
        var first = true;
        foreach (var message in messages.Where(m => m.Role != ChatRole.System))
        {
            if (message.Role == ChatRole.User)
            {
                var content = first && system is not null
                    ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + message.Content
                    : message.Content;
                content = content.Trim();
                first = false;
                yield return TemplateSegment.Bos();
                yield return TemplateSegment.Prompt("[INST] " + content + " [/INST]");
            }
            else
            {
                yield return TemplateSegment.Answer(" " + message.Content.Trim() + " ");
                yield return TemplateSegment.Eos(trainable: true);
            }
        }
    }
}
