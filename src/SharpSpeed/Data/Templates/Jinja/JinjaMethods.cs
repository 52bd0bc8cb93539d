using System.Globalization;
using System.Text;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// The Python methods templates call on values: <c>str.strip()</c>, <c>.split()</c>, <c>.startswith()</c>, …,
/// and <c>dict.items()</c>, <c>.keys()</c>, <c>.values()</c>, <c>.get()</c>. No mutating method exists, as in
/// HF's immutable sandbox.
/// </summary>
internal static class JinjaMethods
{
    public static JinjaCallable? Bind(object? target, string name) => target switch
    {
        string text => StringMethod(text, name),
        Dictionary<string, object?> dict => DictMethod(dict, name),
        _ => null,
    };

    private static JinjaCallable? DictMethod(Dictionary<string, object?> dict, string name) => name switch
    {
        "items" => new("dict.items", (_, _) => dict.Select(p => (object?)new List<object?> { p.Key, p.Value }).ToList()),
        "keys" => new("dict.keys", (_, _) => dict.Keys.Select(k => (object?)k).ToList()),
        "values" => new("dict.values", (_, _) => dict.Values.ToList()),
        "get" => new("dict.get", (args, _) => Arg(args, 0, "dict.get") is string key && dict.TryGetValue(key, out var value)
            ? value
            : args.Count > 1 ? args[1] : null),
        _ => null,
    };

    private static JinjaCallable? StringMethod(string text, string name) => name switch
    {
        "strip" => new("str.strip", (args, _) => Strip(text, Optional(args, 0), start: true, end: true)),
        "lstrip" => new("str.lstrip", (args, _) => Strip(text, Optional(args, 0), start: true, end: false)),
        "rstrip" => new("str.rstrip", (args, _) => Strip(text, Optional(args, 0), start: false, end: true)),
        "startswith" => new("str.startswith", (args, _) => Affixes(Arg(args, 0, name)).Any(p => text.StartsWith(p, StringComparison.Ordinal))),
        "endswith" => new("str.endswith", (args, _) => Affixes(Arg(args, 0, name)).Any(p => text.EndsWith(p, StringComparison.Ordinal))),
        "split" => new("str.split", (args, kwargs) => Split(text, Optional(args, 0) ?? Keyword(kwargs, "sep"),
            (long)JinjaOps.ToDouble(args.Count > 1 ? args[1] : Keyword(kwargs, "maxsplit") ?? -1L))),
        "replace" => new("str.replace", (args, _) => Replace(text, Text(Arg(args, 0, name)), Text(Arg(args, 1, name)),
            args.Count > 2 ? (long)JinjaOps.ToDouble(args[2]) : -1)),
        "upper" => new("str.upper", (_, _) => text.ToUpperInvariant()),
        "lower" => new("str.lower", (_, _) => text.ToLowerInvariant()),
        "title" => new("str.title", (_, _) => Title(text)),
        "capitalize" => new("str.capitalize", (_, _) => Capitalize(text)),
        "find" => new("str.find", (args, _) => (long)text.IndexOf(Text(Arg(args, 0, name)), StringComparison.Ordinal)),
        "count" => new("str.count", (args, _) => CountOccurrences(text, Text(Arg(args, 0, name)))),
        "join" => new("str.join", (args, _) => string.Join(text, JinjaOps.Iterate(Arg(args, 0, name)).Select(JinjaOps.ToText))),
        "format" => new("str.format", (args, kwargs) => Format(text, args, kwargs)),
        "isdigit" => new("str.isdigit", (_, _) => text.Length > 0 && text.All(char.IsDigit)),
        _ => null,
    };

    public static string Strip(string text, object? chars, bool start, bool end)
    {
        if (chars is null)
        {
            return start && end ? text.Trim() : start ? text.TrimStart() : text.TrimEnd();
        }
        var set = Text(chars).ToCharArray();
        return start && end ? text.Trim(set) : start ? text.TrimStart(set) : text.TrimEnd(set);
    }

    public static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    /// <summary>Python's str.title(): a letter after a non-letter is upper case, every other letter lower case.</summary>
    public static string Title(string text)
    {
        var builder = new StringBuilder(text.Length);
        var previousIsLetter = false;
        foreach (var c in text)
        {
            builder.Append(previousIsLetter ? char.ToLowerInvariant(c) : char.ToUpperInvariant(c));
            previousIsLetter = char.IsLetter(c);
        }
        return builder.ToString();
    }

    public static string Replace(string text, string old, string replacement, long count)
    {
        if (count < 0)
        {
            return old.Length == 0 ? string.Join(replacement, ["", .. JinjaOps.TextElements(text).Cast<string>(), ""])
                : text.Replace(old, replacement, StringComparison.Ordinal);
        }
        var builder = new StringBuilder();
        var position = 0;
        for (var done = 0L; done < count && old.Length > 0; done++)
        {
            var found = text.IndexOf(old, position, StringComparison.Ordinal);
            if (found < 0)
            {
                break;
            }
            builder.Append(text, position, found - position).Append(replacement);
            position = found + old.Length;
        }
        return builder.Append(text, position, text.Length - position).ToString();
    }

    /// <summary>Python's str.split: on whitespace runs (dropping empties) with no separator, else on the separator.</summary>
    private static List<object?> Split(string text, object? separator, long maxSplit)
    {
        if (separator is null)
        {
            var parts = new List<object?>();
            var i = 0;
            while (i < text.Length)
            {
                while (i < text.Length && char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                if (i >= text.Length)
                {
                    break;
                }
                if (maxSplit >= 0 && parts.Count == maxSplit)
                {
                    parts.Add(text[i..].TrimEnd());
                    break;
                }
                var start = i;
                while (i < text.Length && !char.IsWhiteSpace(text[i]))
                {
                    i++;
                }
                parts.Add(text[start..i]);
            }
            return parts;
        }
        var sep = Text(separator);
        if (sep.Length == 0)
        {
            throw new JinjaRuntimeError("str.split: empty separator");
        }
        return [.. (maxSplit < 0 ? text.Split(sep) : text.Split(sep, (int)maxSplit + 1)).Cast<object?>()];
    }

    private static long CountOccurrences(string text, string part)
    {
        if (part.Length == 0)
        {
            return JinjaOps.TextElements(text).Count + 1;
        }
        long count = 0;
        for (var i = text.IndexOf(part, StringComparison.Ordinal); i >= 0; i = text.IndexOf(part, i + part.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    /// <summary>str.format with <c>{}</c>, <c>{0}</c> and <c>{name}</c> fields (no format specs) and <c>{{ }}</c> escapes.</summary>
    private static string Format(string format, IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs)
    {
        var builder = new StringBuilder();
        var auto = 0;
        for (var i = 0; i < format.Length; i++)
        {
            var c = format[i];
            if ((c == '{' || c == '}') && i + 1 < format.Length && format[i + 1] == c)
            {
                builder.Append(c);
                i++;
                continue;
            }
            if (c != '{')
            {
                builder.Append(c);
                continue;
            }
            var close = format.IndexOf('}', i);
            if (close < 0)
            {
                throw new JinjaRuntimeError("str.format: single '{' in format string");
            }
            var field = format[(i + 1)..close];
            object? value = field.Length == 0 ? Arg(args, auto++, "str.format")
                : int.TryParse(field, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? Arg(args, index, "str.format")
                : kwargs.TryGetValue(field, out var named) ? named
                : throw new JinjaRuntimeError($"str.format: no argument named '{field}'");
            builder.Append(JinjaOps.ToText(value));
            i = close;
        }
        return builder.ToString();
    }

    private static IEnumerable<string> Affixes(object? value) => value is List<object?> options ? options.Select(Text) : [Text(value)];

    public static string Text(object? value) =>
        value as string ?? throw new JinjaRuntimeError($"expected a string, got {JinjaOps.TypeName(value)}");

    public static object? Arg(IReadOnlyList<object?> args, int index, string function) =>
        index < args.Count ? args[index] : throw new JinjaRuntimeError($"{function}() is missing argument {index + 1}");

    public static object? Optional(IReadOnlyList<object?> args, int index) => index < args.Count ? args[index] : null;

    private static object? Keyword(IReadOnlyDictionary<string, object?> kwargs, string name) =>
        kwargs.TryGetValue(name, out var value) ? value : null;
}
