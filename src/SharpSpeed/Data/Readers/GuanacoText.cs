using System.Text.RegularExpressions;
using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// Splits guanaco-style text (<c>### Human: ... ### Assistant: ...</c>, as in timdettmers/openassistant-guanaco)
/// into turns, so such a data set trains with a chat template and assistant-only labels.
/// </summary>
public static partial class GuanacoText
{
    [GeneratedRegex(@"###\s*(Human|Assistant)\s*:", RegexOptions.CultureInvariant)]
    private static partial Regex TurnMarker();

    public static bool LooksLikeGuanaco(string text) => TurnMarker().IsMatch(text);

    /// <summary>The turns of <paramref name="text"/>; text before the first marker becomes a system turn.</summary>
    public static List<ChatMessage> Split(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var messages = new List<ChatMessage>();
        var markers = TurnMarker().Matches(text);
        var preamble = markers.Count > 0 ? text[..markers[0].Index].Trim() : text.Trim();
        if (preamble.Length > 0)
        {
            messages.Add(new ChatMessage(ChatRole.System, preamble));
        }
        for (var i = 0; i < markers.Count; i++)
        {
            var start = markers[i].Index + markers[i].Length;
            var end = i + 1 < markers.Count ? markers[i + 1].Index : text.Length;
            var role = markers[i].Groups[1].Value == "Human" ? ChatRole.User : ChatRole.Assistant;
            messages.Add(new ChatMessage(role, text[start..end].Trim()));
        }
        return messages;
    }
}
