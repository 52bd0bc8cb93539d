using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// Template values to and from JSON. <see cref="Dump"/> is HF's <c>tojson</c> filter: Python's
/// <c>json.dumps(x, ensure_ascii=False, indent=indent, separators=separators, sort_keys=sort_keys)</c>: by default
/// ", " and ": " separators ("," then a newline between items when indented), non-ASCII characters as they are.
/// </summary>
public static class JinjaJson
{
    /// <summary>A parsed JSON value as a template value (integers as long, other numbers as double).</summary>
    public static object? FromJson(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Object => element.EnumerateObject().Aggregate(new Dictionary<string, object?>(), (dict, p) =>
        {
            dict[p.Name] = FromJson(p.Value);
            return dict;
        }),
        JsonValueKind.Array => element.EnumerateArray().Select(FromJson).ToList(),
        JsonValueKind.String => element.GetString(),
        JsonValueKind.Number => element.TryGetInt64(out var l) ? (object)l : element.GetDouble(),
        JsonValueKind.True => true,
        JsonValueKind.False => false,
        _ => null,
    };

    public static string Dump(object? value, int? indent = null, (string Item, string Key)? separators = null, bool sortKeys = false)
    {
        var builder = new StringBuilder();
        new Writer(builder, indent, separators ?? (indent is null ? ", " : ",", ": "), sortKeys).Write(value, 0);
        return builder.ToString();
    }

    private sealed record Writer(StringBuilder Builder, int? Indent, (string Item, string Key) Separators, bool SortKeys)
    {
        public void Write(object? value, int depth) => JinjaJson.Write(this, value, depth);
    }

    private static void Write(Writer writer, object? value, int depth)
    {
        var (builder, indent) = (writer.Builder, writer.Indent);
        switch (value)
        {
            case null or JinjaUndefined:
                builder.Append("null");
                break;
            case bool b:
                builder.Append(b ? "true" : "false");
                break;
            case long l:
                builder.Append(l.ToString(CultureInfo.InvariantCulture));
                break;
            case double d:
                builder.Append(double.IsNaN(d) ? "NaN" : double.IsInfinity(d) ? (d > 0 ? "Infinity" : "-Infinity") : JinjaOps.FormatFloat(d));
                break;
            case string s:
                WriteString(builder, s);
                break;
            case List<object?> list:
                WriteContainer(writer, '[', ']', list, depth, (item, d) => Write(writer, item, d));
                break;
            case Dictionary<string, object?> dict:
                WriteContainer<KeyValuePair<string, object?>>(writer, '{', '}', writer.SortKeys ? [.. dict.OrderBy(p => p.Key, StringComparer.Ordinal)] : [.. dict], depth, (pair, d) =>
                {
                    WriteString(builder, pair.Key);
                    builder.Append(writer.Separators.Key);
                    Write(writer, pair.Value, d);
                });
                break;
            case JinjaNamespace ns:
                Write(writer, ns.Attributes, depth);
                break;
            default:
                throw new JinjaRuntimeError($"Object of type {JinjaOps.TypeName(value)} is not JSON serializable");
        }
    }

    private static void WriteContainer<T>(Writer writer, char open, char close, List<T> items, int depth, Action<T, int> writeItem)
    {
        var (builder, indent) = (writer.Builder, writer.Indent);
        builder.Append(open);
        if (items.Count == 0)
        {
            builder.Append(close);
            return;
        }
        for (var i = 0; i < items.Count; i++)
        {
            if (i > 0)
            {
                builder.Append(writer.Separators.Item);
            }
            if (indent is { } width)
            {
                builder.Append('\n').Append(' ', width * (depth + 1));
            }
            writeItem(items[i], depth + 1);
        }
        if (indent is { } w)
        {
            builder.Append('\n').Append(' ', w * depth);
        }
        builder.Append(close);
    }

    /// <summary>Python's json string escaping with ensure_ascii=False: only quote, backslash and control characters.</summary>
    private static void WriteString(StringBuilder builder, string s)
    {
        builder.Append('"');
        foreach (var c in s)
        {
            switch (c)
            {
                case '"': builder.Append("\\\""); break;
                case '\\': builder.Append("\\\\"); break;
                case '\n': builder.Append("\\n"); break;
                case '\r': builder.Append("\\r"); break;
                case '\t': builder.Append("\\t"); break;
                case '\b': builder.Append("\\b"); break;
                case '\f': builder.Append("\\f"); break;
                case < ' ': builder.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture)); break;
                default: builder.Append(c); break;
            }
        }
        builder.Append('"');
    }
}
