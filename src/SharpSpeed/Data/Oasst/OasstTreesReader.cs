using System.Text.Json;
using SharpSpeed.Data.Readers;

namespace SharpSpeed.Data.Oasst;

/// <summary>
/// oasst1 release trees, <c>*.trees.jsonl[.gz]</c>: one <c>{"message_tree_id", "tree_state", "prompt": {...,
/// "replies": [...]}}</c> per line, replies nested.
/// </summary>
public static class OasstTreesReader
{
    public static IEnumerable<OasstTree> Read(string path, RecordIssues issues)
    {
        foreach (var line in JsonLines.Read(path, issues))
        {
            OasstTree tree;
            try
            {
                var id = JsonFields.RequiredString(line, line.Root, "message_tree_id");
                var state = JsonFields.RequiredString(line, line.Root, "tree_state");
                if (!line.Root.TryGetProperty("prompt", out var prompt) || prompt.ValueKind == JsonValueKind.Null)
                {
                    throw line.Invalid("missing key 'prompt'");
                }
                tree = new OasstTree(id, state, ParseNode(line, prompt, "prompt"), $"{line.File}:{line.LineNumber}");
                if (tree.Prompt.Role != OasstMessage.Prompter)
                {
                    throw line.Invalid("prompt.role must be 'prompter'");
                }
            }
            catch (InvalidRecordException e)
            {
                issues.Report(e);
                continue;
            }
            yield return tree;
        }
    }

    private static OasstMessage ParseNode(JsonLine line, JsonElement node, string where)
    {
        var message = OasstMessageFields.Parse(line, node, where);
        if (!node.TryGetProperty("replies", out var replies) || replies.ValueKind == JsonValueKind.Null)
        {
            return message;
        }
        if (replies.ValueKind != JsonValueKind.Array)
        {
            throw line.Invalid($"{where}.replies must be an array, got {replies.ValueKind}");
        }
        var index = 0;
        foreach (var reply in replies.EnumerateArray())
        {
            message.Replies.Add(ParseNode(line, reply, $"{where}.replies[{index}]"));
            index++;
        }
        return message;
    }
}
