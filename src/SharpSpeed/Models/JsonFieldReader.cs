using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Models;

/// <summary>Typed access to the keys of a JSON object, with errors that name the file and the key.</summary>
internal sealed class JsonFieldReader(JsonObject json, string path)
{
    public string Path { get; } = path;

    public int RequiredInt(string key) =>
        OptionalInt(key) ?? throw new InvalidDataException($"{Path}: required key '{key}' is missing");

    public int? OptionalInt(string key)
    {
        var node = json[key];
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<int>(out var value))
        {
            return value;
        }
        throw new InvalidDataException($"{Path}: key '{key}' must be an integer, got {node.ToJsonString()}");
    }

    public double? OptionalDouble(string key)
    {
        var node = json[key];
        if (node is null)
        {
            return null;
        }
        if (node.GetValueKind() == JsonValueKind.Number && node.AsValue().TryGetValue<double>(out var value))
        {
            return value;
        }
        throw new InvalidDataException($"{Path}: key '{key}' must be a number, got {node.ToJsonString()}");
    }

    public bool? OptionalBool(string key)
    {
        var node = json[key];
        return node?.GetValueKind() switch
        {
            null => null,
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw new InvalidDataException($"{Path}: key '{key}' must be true or false, got {node.ToJsonString()}"),
        };
    }

    public string? OptionalString(string key)
    {
        var node = json[key];
        if (node is null)
        {
            return null;
        }
        return node.GetValueKind() == JsonValueKind.String
            ? node.GetValue<string>()
            : throw new InvalidDataException($"{Path}: key '{key}' must be a string, got {node.ToJsonString()}");
    }

    /// <summary>An id that HF allows as a single integer or a list (eos_token_id).</summary>
    public IReadOnlyList<int>? OptionalIntOrList(string key)
    {
        var node = json[key];
        if (node is null)
        {
            return null;
        }
        if (node is JsonArray array)
        {
            return array.Select((item, i) =>
                item is not null && item.GetValueKind() == JsonValueKind.Number && item.AsValue().TryGetValue<int>(out var v)
                    ? v
                    : throw new InvalidDataException($"{Path}: key '{key}'[{i}] must be an integer")).ToArray();
        }
        return [OptionalInt(key)!.Value];
    }

    public JsonFieldReader? OptionalObject(string key)
    {
        var node = json[key];
        return node switch
        {
            null => null,
            JsonObject inner => new JsonFieldReader(inner, $"{Path}: '{key}'"),
            _ => throw new InvalidDataException($"{Path}: key '{key}' must be an object, got {node.ToJsonString()}"),
        };
    }
}
