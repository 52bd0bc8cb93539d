namespace SharpSpeed.Data.Conversations;

/// <summary>
/// One training example before tokenization. For <see cref="SampleKind.PromptCompletion"/> the messages are
/// exactly [user prompt, assistant completion]; for <see cref="SampleKind.Text"/> a single user message holds
/// the text. <paramref name="Source"/> says where the sample came from ("file:line" or an oasst1 tree id).
/// </summary>
public sealed record DataSample(SampleKind Kind, IReadOnlyList<ChatMessage> Messages, string Source)
{
    public static DataSample Chat(IReadOnlyList<ChatMessage> messages, string source) =>
        new(SampleKind.Chat, messages, source);

    public static DataSample PromptCompletion(string prompt, string completion, string source) =>
        new(SampleKind.PromptCompletion,
            [new ChatMessage(ChatRole.User, prompt), new ChatMessage(ChatRole.Assistant, completion)], source);

    public static DataSample Text(string text, string source) =>
        new(SampleKind.Text, [new ChatMessage(ChatRole.User, text)], source);
}
