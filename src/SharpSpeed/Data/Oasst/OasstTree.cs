namespace SharpSpeed.Data.Oasst;

/// <summary>One oasst1 message tree: its id, export state and the initial prompt with all replies below it.</summary>
public sealed record OasstTree(string MessageTreeId, string TreeState, OasstMessage Prompt, string Source)
{
    public const string ReadyForExport = "ready_for_export";
}
