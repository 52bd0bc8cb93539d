using System.Globalization;
using System.Net;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>The filters of <c>value | name(args)</c> that chat templates use, as Jinja2 (and HF's tojson) define them.</summary>
internal static class JinjaFilters
{
    public static object? Apply(JinjaRenderer renderer, string name, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        object? Param(int index, string key, object? fallback) =>
            index < args.Count ? args[index] : kwargs.TryGetValue(key, out var v) ? v : fallback;
        switch (name)
        {
            case "safe":
                return value;
            case "string":
                return JinjaOps.ToText(value);
            case "trim":
                return JinjaMethods.Strip(JinjaOps.ToText(value), Param(0, "chars", null), start: true, end: true);
            case "lower":
                return JinjaOps.ToText(value).ToLowerInvariant();
            case "upper":
                return JinjaOps.ToText(value).ToUpperInvariant();
            case "capitalize":
                return JinjaMethods.Capitalize(JinjaOps.ToText(value));
            case "title":
                return JinjaMethods.Title(JinjaOps.ToText(value));
            case "replace":
                return JinjaMethods.Replace(JinjaOps.ToText(value), JinjaOps.ToText(Param(0, "old", null)), JinjaOps.ToText(Param(1, "new", null)),
                    (long)JinjaOps.ToDouble(Param(2, "count", -1L)));
            case "tojson":
                var separators = Param(2, "separators", null) as List<object?>;
                return JinjaJson.Dump(value, Param(0, "indent", null) is { } indent ? (int)JinjaOps.ToDouble(indent) : null,
                    separators is [string itemSeparator, string keySeparator] ? (itemSeparator, keySeparator) : null,
                    JinjaOps.IsTrue(Param(3, "sort_keys", false)));
            case "length" or "count":
                return JinjaOps.Length(value);
            case "default" or "d":
                var boolean = JinjaOps.IsTrue(Param(1, "boolean", false));
                return value is JinjaUndefined || (boolean && !JinjaOps.IsTrue(value)) ? Param(0, "default_value", string.Empty) : value;
            case "join":
                var attribute = Param(1, "attribute", null);
                return string.Join(JinjaOps.ToText(Param(0, "d", string.Empty)),
                    JinjaOps.Iterate(value).Select(item => JinjaOps.ToText(attribute is null ? item : Lookup(item, attribute))));
            case "first":
                var all = JinjaOps.Iterate(value);
                return all.Count > 0 ? all[0] : JinjaUndefined.Named("first");
            case "last":
                var items = JinjaOps.Iterate(value);
                return items.Count > 0 ? items[^1] : JinjaUndefined.Named("last");
            case "list":
                return JinjaOps.Iterate(value).ToList();
            case "reverse":
                return value is string text ? string.Concat(JinjaOps.TextElements(text).Cast<string>().Reverse())
                    : Enumerable.Reverse(JinjaOps.Iterate(value)).ToList();
            case "items":
                return value switch
                {
                    JinjaUndefined => new List<object?>(),
                    Dictionary<string, object?> dict => dict.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList(),
                    _ => throw new JinjaRuntimeError($"filter items needs a mapping, got {JinjaOps.TypeName(value)}"),
                };
            case "format":
                return JinjaOps.PercentFormat(JinjaOps.ToText(value), args.Count == 1 ? args[0] : args.ToList());
            case "dictsort":
                return value is Dictionary<string, object?> mapping
                    ? mapping.OrderBy(p => p.Key, StringComparer.OrdinalIgnoreCase).Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()
                    : throw new JinjaRuntimeError($"filter dictsort needs a mapping, got {JinjaOps.TypeName(value)}");
            case "map":
                return Map(renderer, value, args, kwargs);
            case "select" or "reject":
                return JinjaOps.Iterate(value).Where(item => Passes(item, args, 0) == (name == "select")).ToList();
            case "selectattr" or "rejectattr":
                var key = JinjaMethods.Arg(args, 0, name);
                return JinjaOps.Iterate(value).Where(item => Passes(Lookup(item, key), args, 1) == (name == "selectattr")).ToList();
            case "unique":
                var unique = new List<object?>();
                foreach (var item in JinjaOps.Iterate(value).Where(item => !unique.Any(seen => JinjaOps.Equals(seen, item))))
                {
                    unique.Add(item);
                }
                return unique;
            case "sort":
                var sortKey = Param(2, "attribute", null);
                var sorted = JinjaOps.Iterate(value)
                    .Order(Comparer<object?>.Create((a, b) => JinjaOps.Compare(sortKey is null ? a : Lookup(a, sortKey), sortKey is null ? b : Lookup(b, sortKey))))
                    .ToList();
                return JinjaOps.IsTrue(Param(0, "reverse", false)) ? Enumerable.Reverse(sorted).ToList() : sorted;
            case "sum":
                return JinjaOps.Iterate(value).Aggregate(Param(1, "start", 0L), (total, item) => JinjaOps.Arithmetic("+", total, item));
            case "min" or "max":
                var values = JinjaOps.Iterate(value);
                return values.Count == 0 ? JinjaUndefined.Named(name)
                    : values.Aggregate((a, b) => (JinjaOps.Compare(a, b) <= 0) == (name == "min") ? a : b);
            case "abs":
                return value is long l ? (object)Math.Abs(l) : Math.Abs(JinjaOps.ToDouble(value));
            case "int":
                return ToInt(value, Param(0, "default", 0L));
            case "float":
                return ToFloat(value, Param(0, "default", 0.0));
            case "round":
                var precision = (int)JinjaOps.ToDouble(Param(0, "precision", 0L));
                var method = JinjaOps.ToText(Param(1, "method", "common"));
                var number = JinjaOps.ToDouble(value);
                var scale = Math.Pow(10, precision);
                return method switch
                {
                    "common" => Math.Round(number, precision, MidpointRounding.ToEven),
                    "ceil" => Math.Ceiling(number * scale) / scale,
                    "floor" => Math.Floor(number * scale) / scale,
                    _ => throw new JinjaRuntimeError("filter round: method must be common, ceil or floor"),
                };
            case "indent":
                return Indent(JinjaOps.ToText(value), Param(0, "width", 4L), JinjaOps.IsTrue(Param(1, "first", false)), JinjaOps.IsTrue(Param(2, "blank", false)));
            case "e" or "escape":
                return WebUtility.HtmlEncode(JinjaOps.ToText(value));
            case "wordcount":
                return (long)JinjaOps.ToText(value).Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length;
            default:
                throw new JinjaRuntimeError($"unknown filter '{name}'");
        }
    }

    /// <summary><c>map(attribute='a.b')</c> looks up each item; <c>map('filter', args)</c> applies a filter to each item.</summary>
    private static List<object?> Map(JinjaRenderer renderer, object? value, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        var items = JinjaOps.Iterate(value);
        if (kwargs.TryGetValue("attribute", out var attribute))
        {
            var fallback = kwargs.TryGetValue("default", out var d) ? d : null;
            return items.Select(item =>
            {
                var found = Lookup(item, attribute);
                return found is JinjaUndefined && fallback is not null ? fallback : found;
            }).ToList();
        }
        var filter = JinjaMethods.Text(JinjaMethods.Arg(args, 0, "map"));
        var rest = args.Skip(1).ToList();
        return items.Select(item => Apply(renderer, filter, item, rest, kwargs)).ToList();
    }

    /// <summary>select/reject: the test named at args[testIndex] (truthiness when absent) with the arguments after it.</summary>
    private static bool Passes(object? value, IReadOnlyList<object?> args, int testIndex) =>
        testIndex < args.Count
            ? JinjaTests.Apply(JinjaMethods.Text(args[testIndex]), value, args.Skip(testIndex + 1).ToList())
            : JinjaOps.IsTrue(value);

    /// <summary>Jinja's attribute getter: a dotted path, each part an item key (or an index when it is digits).</summary>
    private static object? Lookup(object? item, object? path)
    {
        if (path is long index)
        {
            return JinjaRenderer.GetItem(item, index);
        }
        foreach (var part in JinjaOps.ToText(path).Split('.'))
        {
            item = long.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var position)
                ? JinjaRenderer.GetItem(item, position)
                : item is JinjaUndefined ? item : JinjaRenderer.GetItem(item, part);
        }
        return item;
    }

    private static object? ToInt(object? value, object? fallback) => value switch
    {
        long or bool => (long)JinjaOps.ToDouble(value),
        double d => (long)Math.Truncate(d),
        string s when long.TryParse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) => l,
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => (long)Math.Truncate(f),
        _ => fallback,
    };

    private static object? ToFloat(object? value, object? fallback) => value switch
    {
        long or bool or double => JinjaOps.ToDouble(value),
        string s when double.TryParse(s.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var f) => f,
        _ => fallback,
    };

    private static string Indent(string text, object? width, bool first, bool blank)
    {
        var pad = width as string ?? new string(' ', (int)JinjaOps.ToDouble(width));
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if ((i > 0 || first) && (blank || lines[i].Trim().Length > 0))
            {
                lines[i] = pad + lines[i];
            }
        }
        return string.Join('\n', lines);
    }
}
