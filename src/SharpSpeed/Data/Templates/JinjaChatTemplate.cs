using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// Training with the model's own Jinja chat template. The text is exactly what <c>apply_chat_template</c> renders for
/// the whole conversation; the labels are the assistant turns, found as HF and TRL find them:
/// <list type="bullet">
/// <item>a template with <c>{% generation %}</c> markers labels the text inside them (HF's assistant mask);</item>
/// <item>otherwise each assistant turn i is what rendering <c>messages[:i+1]</c> adds to rendering <c>messages[:i]</c>
/// with the generation prompt (TRL's prompt/completion split), so the answer, its end-of-turn tokens and whatever the
/// template writes after them up to the next turn are labels, and the generation prompt is not.</item>
/// </list>
/// A turn is labelled only where those prefix renderings are prefixes of the whole conversation's text. Templates that
/// render earlier turns differently from the last one (Qwen3 drops the reasoning of earlier answers) therefore label
/// the turns the model would really generate in that form, and leave the others as prompt.
/// </summary>
public sealed class JinjaChatTemplate(HfChatTemplate template, string origin) : ChatTemplate
{
    public HfChatTemplate Template { get; } = template ?? throw new ArgumentNullException(nameof(template));

    /// <summary>Names the template's origin and content hash, so token caches key on the exact template.</summary>
    public override string Name { get; } = $"jinja:{origin}:{template.Fingerprint}";

    public override IEnumerable<TemplateSegment> Render(IReadOnlyList<ChatMessage> messages)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var all = HfChatTemplate.ToTemplateMessages(messages);
        var (text, generationSpans) = Template.RenderWithGenerationSpans(all, addGenerationPrompt: false);
        var answers = generationSpans.Count > 0 ? generationSpans : PrefixSpans(messages, text);
        var position = 0;
        foreach (var (start, end) in answers.Where(span => span.End > span.Start).OrderBy(span => span.Start))
        {
            if (start < position)
            {
                continue;
            }
            if (start > position)
            {
                yield return TemplateSegment.Prompt(text[position..start]);
            }
            yield return TemplateSegment.Answer(text[start..end]);
            position = end;
        }
        if (position < text.Length)
        {
            yield return TemplateSegment.Prompt(text[position..]);
        }
    }

    public override IEnumerable<TemplateSegment> RenderGenerationPrompt(IReadOnlyList<ChatMessage> conversation) =>
        [TemplateSegment.Prompt(Template.Render(conversation, addGenerationPrompt: true))];

    private List<(int Start, int End)> PrefixSpans(IReadOnlyList<ChatMessage> messages, string text)
    {
        var spans = new List<(int, int)>();
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i].Role != ChatRole.Assistant)
            {
                continue;
            }
            var prompt = Template.Render([.. messages.Take(i)], addGenerationPrompt: true);
            var withAnswer = Template.Render([.. messages.Take(i + 1)], addGenerationPrompt: false);
            if (withAnswer.StartsWith(prompt, StringComparison.Ordinal) && text.StartsWith(withAnswer, StringComparison.Ordinal))
            {
                spans.Add((prompt.Length, withAnswer.Length));
            }
        }
        return spans;
    }
}
