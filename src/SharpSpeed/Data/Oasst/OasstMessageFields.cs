using System.Text.Json;
using SharpSpeed.Data.Readers;

namespace SharpSpeed.Data.Oasst;

/// <summary>Parses the node fields shared by the trees and the flat-messages JSON formats.</summary>
internal static class OasstMessageFields
{
    public static OasstMessage Parse(JsonLine line, JsonElement node, string where)
    {
        if (node.ValueKind != JsonValueKind.Object)
        {
            throw line.Invalid($"{where} must be an object, got {node.ValueKind}");
        }
        try
        {
            var role = JsonFields.RequiredString(line, node, "role");
            if (role is not (OasstMessage.Prompter or OasstMessage.Assistant))
            {
                throw line.Invalid($"key 'role' must be 'prompter' or 'assistant', got '{role}'");
            }
            return new OasstMessage(
                JsonFields.RequiredString(line, node, "message_id"),
                JsonFields.OptionalString(line, node, "parent_id"),
                JsonFields.RequiredString(line, node, "text"),
                role,
                JsonFields.OptionalString(line, node, "lang"),
                JsonFields.OptionalBool(line, node, "review_result"),
                JsonFields.OptionalBool(line, node, "deleted") ?? false,
                JsonFields.OptionalBool(line, node, "synthetic") ?? false,
                JsonFields.OptionalInteger(line, node, "rank"));
        }
        catch (InvalidRecordException e) when (where.Length > 0 && e.Line == line.LineNumber)
        {
            throw line.Invalid($"{where}: {e.Reason}");
        }
    }
}
