using System.Text.Json;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// A part of tokenizer.json together with where it sits ("pre_tokenizer.pretokenizers[2]"), so that every
/// error names the file and the key.
/// </summary>
internal readonly record struct JsonSection(JsonElement Element, string File, string Where)
{
    public bool IsNull => Element.ValueKind is JsonValueKind.Null or JsonValueKind.Undefined;

    public string Type => RequiredString("type");

    public JsonSection Child(string key)
    {
        var where = Where.Length == 0 ? key : $"{Where}.{key}";
        if (Element.ValueKind != JsonValueKind.Object)
        {
            throw new InvalidDataException($"{File}: '{Where}' must be a JSON object");
        }
        return Element.TryGetProperty(key, out var value)
            ? new JsonSection(value, File, where)
            : new JsonSection(default, File, where);
    }

    public IEnumerable<JsonSection> Items(string key)
    {
        var list = Child(key);
        if (list.Element.ValueKind != JsonValueKind.Array)
        {
            throw list.Error("must be a list");
        }
        var index = 0;
        foreach (var item in list.Element.EnumerateArray())
        {
            yield return new JsonSection(item, File, $"{list.Where}[{index++}]");
        }
    }

    public string RequiredString(string key) =>
        OptionalString(key) ?? throw Child(key).Error("is required and must be a string");

    public string? OptionalString(string key)
    {
        var value = Child(key);
        return value.Element.ValueKind switch
        {
            JsonValueKind.String => value.Element.GetString(),
            JsonValueKind.Null or JsonValueKind.Undefined => null,
            _ => throw value.Error("must be a string"),
        };
    }

    public bool Bool(string key, bool whenAbsent)
    {
        var value = Child(key);
        return value.Element.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            JsonValueKind.Null or JsonValueKind.Undefined => whenAbsent,
            _ => throw value.Error("must be true or false"),
        };
    }

    public int Int(string key, int whenAbsent)
    {
        var value = Child(key);
        if (value.IsNull)
        {
            return whenAbsent;
        }
        return value.Element.ValueKind == JsonValueKind.Number && value.Element.TryGetInt32(out var number)
            ? number
            : throw value.Error("must be an integer");
    }

    public int RequiredInt(string key)
    {
        if (Child(key).IsNull)
        {
            throw Child(key).Error("is required and must be an integer");
        }
        return Int(key, 0);
    }

    public InvalidDataException Error(string message) => new($"{File}: '{Where}' {message}");

    /// <summary>For a component this engine does not implement: names the type and where it was found.</summary>
    public NotSupportedException Unsupported(string kind) =>
        new($"{File}: '{Where}': {kind} type '{Type}' is not supported by SharpSpeed's tokenizer");
}
