namespace SharpSpeed.Data.Oasst;

/// <summary>
/// A node of an oasst1 message tree (Open-Assistant's ExportMessageNode, the fields the SFT rules use).
/// <paramref name="Role"/> is "prompter" or "assistant"; <paramref name="Rank"/> is null for unranked replies.
/// </summary>
public sealed record OasstMessage(
    string MessageId,
    string? ParentId,
    string Text,
    string Role,
    string? Lang,
    bool? ReviewResult,
    bool Deleted,
    bool Synthetic,
    int? Rank)
{
    public const string Prompter = "prompter";
    public const string Assistant = "assistant";

    /// <summary>Replies in the order the export lists them (Open-Assistant's rules look at the first one).</summary>
    public List<OasstMessage> Replies { get; } = [];
}
