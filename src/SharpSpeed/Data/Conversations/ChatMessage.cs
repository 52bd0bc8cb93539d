namespace SharpSpeed.Data.Conversations;

/// <summary>One turn of a conversation.</summary>
public sealed record ChatMessage(ChatRole Role, string Content);
