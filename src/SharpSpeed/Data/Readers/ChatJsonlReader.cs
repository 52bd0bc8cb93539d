using System.Text.Json;
using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Readers;

/// <summary>Chat JSONL: one <c>{"messages": [{"role": ..., "content": ...}, ...]}</c> per line (OpenAI / TRL style).</summary>
public static class ChatJsonlReader
{
    public static IEnumerable<DataSample> Read(string path, RecordIssues issues)
    {
        foreach (var line in JsonLines.Read(path, issues))
        {
            DataSample sample;
            try
            {
                sample = DataSample.Chat(ParseMessages(line), $"{line.File}:{line.LineNumber}");
            }
            catch (InvalidRecordException e)
            {
                issues.Report(e);
                continue;
            }
            yield return sample;
        }
    }

    private static List<ChatMessage> ParseMessages(JsonLine line)
    {
        var array = JsonFields.RequiredArray(line, line.Root, "messages");
        var messages = new List<ChatMessage>();
        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw line.Invalid($"messages[{index}] must be an object, got {item.ValueKind}");
            }
            var role = JsonFields.RequiredString(line, item, "role");
            var content = JsonFields.RequiredString(line, item, "content");
            messages.Add(new ChatMessage(ParseRole(line, role, index), content));
            index++;
        }
        if (!messages.Any(m => m.Role == ChatRole.Assistant))
        {
            throw line.Invalid("conversation has no assistant turn to learn from");
        }
        return messages;
    }

    private static ChatRole ParseRole(JsonLine line, string role, int index) => role switch
    {
        "system" => ChatRole.System,
        "user" or "prompter" or "human" => ChatRole.User,
        "assistant" or "gpt" => ChatRole.Assistant,
        _ => throw line.Invalid($"messages[{index}].role '{role}' is not system, user or assistant"),
    };
}
