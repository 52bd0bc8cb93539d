using System.Text.Json;

namespace SharpSpeed.Data.Readers;

/// <summary>Typed access to the fields of a JSON record with "file:line: key 'x' ..." errors.</summary>
public static class JsonFields
{
    public static string RequiredString(JsonLine line, JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw line.Invalid($"missing key '{key}'");
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()!
            : throw line.Invalid($"key '{key}' must be a string, got {value.ValueKind}");
    }

    public static string? OptionalString(JsonLine line, JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw line.Invalid($"key '{key}' must be a string or null, got {value.ValueKind}");
    }

    public static bool? OptionalBool(JsonLine line, JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw line.Invalid($"key '{key}' must be true, false or null, got {value.ValueKind}"),
        };
    }

    /// <summary>A number that must be integral (oasst1 ranks; the HF export stores them as floats such as 0.0).</summary>
    public static int? OptionalInteger(JsonLine line, JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number)
        {
            throw line.Invalid($"key '{key}' must be a number or null, got {value.ValueKind}");
        }
        var number = value.GetDouble();
        return number == Math.Floor(number) && Math.Abs(number) < int.MaxValue
            ? (int)number
            : throw line.Invalid($"key '{key}' must be an integer, got {value.GetRawText()}");
    }

    public static JsonElement RequiredArray(JsonLine line, JsonElement obj, string key)
    {
        if (!obj.TryGetProperty(key, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            throw line.Invalid($"missing key '{key}'");
        }
        return value.ValueKind == JsonValueKind.Array
            ? value
            : throw line.Invalid($"key '{key}' must be an array, got {value.ValueKind}");
    }
}
