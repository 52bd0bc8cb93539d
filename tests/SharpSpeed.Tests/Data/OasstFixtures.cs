using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Tests.Data;

/// <summary>Hand-made oasst1 message trees in the release's JSON shape.</summary>
internal static class OasstFixtures
{
    public static JsonObject Node(string id, string role, string text, int? rank = null, bool deleted = false,
        bool synthetic = false, bool? review = true, string lang = "en", params JsonObject[] replies)
    {
        var node = new JsonObject
        {
            ["message_id"] = id,
            ["text"] = text,
            ["role"] = role,
            ["lang"] = lang,
            ["review_result"] = review,
            ["deleted"] = deleted,
            ["synthetic"] = synthetic,
            ["rank"] = rank,
        };
        var array = new JsonArray();
        foreach (var reply in replies)
        {
            array.Add(reply);
        }
        node["replies"] = array;
        return node;
    }

    public static JsonObject P(string id, string text, params JsonObject[] replies) =>
        Node(id, "prompter", text, replies: replies);

    public static JsonObject A(string id, string text, int? rank, params JsonObject[] replies) =>
        Node(id, "assistant", text, rank, replies: replies);

    public static string Tree(string treeId, JsonObject prompt, string state = "ready_for_export") =>
        new JsonObject { ["message_tree_id"] = treeId, ["tree_state"] = state, ["prompt"] = prompt }
            .ToJsonString(new JsonSerializerOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping });

    /// <summary>The same tree as flat message rows (parent_id links), as the release's messages file has them.</summary>
    public static IEnumerable<string> FlatRows(string treeId, JsonObject prompt, string? state = null)
    {
        var rows = new List<string>();
        void Walk(JsonObject node, string? parent)
        {
            var row = new JsonObject();
            foreach (var (key, value) in node)
            {
                if (key != "replies")
                {
                    row[key] = value?.DeepClone();
                }
            }
            row["parent_id"] = parent;
            row["message_tree_id"] = treeId;
            if (state is not null)
            {
                row["tree_state"] = state;
            }
            rows.Add(row.ToJsonString());
            foreach (var reply in node["replies"]!.AsArray())
            {
                Walk(reply!.AsObject(), (string)node["message_id"]!);
            }
        }
        Walk(prompt, null);
        return rows;
    }
}
