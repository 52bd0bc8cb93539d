namespace SharpSpeed.Data.Conversations;

/// <summary>Who speaks a turn. oasst1's "prompter" maps to <see cref="User"/>.</summary>
public enum ChatRole
{
    System,
    User,
    Assistant,
}
