using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Templates;

/// <summary>
/// A chat format rendered as segments, so each segment is tokenized on its own and the label mask is exact.
/// Boundaries sit where byte-level pre-tokenizers split anyway (a space travels with the word after it), so the
/// concatenated segment ids equal the ids of the whole rendered text.
/// </summary>
public abstract class ChatTemplate
{
    public abstract string Name { get; }

    public abstract IEnumerable<TemplateSegment> Render(IReadOnlyList<ChatMessage> messages);

    /// <summary>
    /// What a chat model sees before it answers (HF's add_generation_prompt). By default: the conversation with an
    /// empty assistant turn, cut where that turn's answer would start.
    /// </summary>
    public virtual IEnumerable<TemplateSegment> RenderGenerationPrompt(IReadOnlyList<ChatMessage> conversation)
    {
        var segments = Render([.. conversation, new ChatMessage(ChatRole.Assistant, string.Empty)]).ToList();
        var answer = segments.FindLastIndex(s => s.Part == SegmentPart.Text && s.Trainable);
        return segments.Take(answer < 0 ? segments.Count : answer);
    }

    protected static void RequireAlternation(IReadOnlyList<ChatMessage> messages, string templateName)
    {
        ArgumentNullException.ThrowIfNull(messages);
        var turns = messages.Where(m => m.Role != ChatRole.System).ToList();
        for (var i = 0; i < turns.Count; i++)
        {
            var expected = i % 2 == 0 ? ChatRole.User : ChatRole.Assistant;
            if (turns[i].Role != expected)
            {
                throw new InvalidDataException(
                    $"chat template {templateName}: turn {i + 1} is {turns[i].Role}, expected {expected} (turns must alternate user/assistant)");
            }
        }
    }
}
