using System.Text;
using System.Text.Json.Nodes;
using SharpSpeed.Tests.IO;

namespace SharpSpeed.Tests.Reliability;

/// <summary>
/// Seeded mutations of a JSON document: half structural (a value replaced by one of another type or an extreme
/// number, a key removed or renamed, an array element dropped), half byte-level on the text (flips, insertions,
/// deletions, truncations), so that both the JSON reader and the parser's own checks are exercised.
/// </summary>
internal static class JsonMutations
{
    private static readonly Func<Random, JsonNode?>[] Replacements =
    [
        _ => null,
        _ => JsonValue.Create(true),
        _ => JsonValue.Create(-1),
        _ => JsonValue.Create(0),
        _ => JsonValue.Create(int.MaxValue),
        _ => JsonValue.Create(long.MaxValue),
        _ => JsonValue.Create(1e308),
        _ => JsonValue.Create(-2.5),
        _ => JsonValue.Create(""),
        r => JsonValue.Create(new string('x', r.Next(1, 64))),
        _ => JsonValue.Create("auto"),
        _ => new JsonArray(),
        _ => new JsonArray(1, "a", null),
        _ => new JsonObject(),
        _ => new JsonObject { ["type"] = "x" },
    ];

    public static byte[] Apply(string document, Random random)
    {
        if (random.Next(2) == 0)
        {
            return Mutations.Apply(Encoding.UTF8.GetBytes(document), random);
        }
        var root = JsonNode.Parse(document)!;
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits; e++)
        {
            var nodes = All(root).Where(n => n.Parent is not null).ToList();
            if (nodes.Count == 0)
            {
                break;
            }
            Mutate(nodes[random.Next(nodes.Count)], random);
        }
        return Encoding.UTF8.GetBytes(root.ToJsonString());
    }

    private static void Mutate(JsonNode node, Random random)
    {
        var parent = node.Parent!;
        var replacement = random.Next(5) == 0 ? null : Replacements[random.Next(Replacements.Length)](random);
        switch (parent)
        {
            case JsonObject obj:
                var key = node.GetPropertyName();
                var action = random.Next(4);
                if (action == 0)
                {
                    obj.Remove(key);
                }
                else if (action == 1)
                {
                    obj.Remove(key);
                    obj[key + "_x"] = node;
                }
                else
                {
                    obj[key] = replacement;
                }
                break;
            case JsonArray array:
                var index = node.GetElementIndex();
                if (random.Next(3) == 0)
                {
                    array.RemoveAt(index);
                }
                else
                {
                    array[index] = replacement;
                }
                break;
        }
    }

    private static IEnumerable<JsonNode> All(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array,
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>())
        {
            foreach (var descendant in All(child))
            {
                yield return descendant;
            }
        }
    }
}
