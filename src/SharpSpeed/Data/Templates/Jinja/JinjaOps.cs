using System.Globalization;
using System.Text;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>Python semantics of template values: truth, str(), repr(), ==, ordering, arithmetic, <c>in</c>, iteration.</summary>
internal static class JinjaOps
{
    public static bool IsTrue(object? value) => value switch
    {
        null or JinjaUndefined => false,
        bool b => b,
        long l => l != 0,
        double d => d != 0,
        string s => s.Length > 0,
        List<object?> list => list.Count > 0,
        Dictionary<string, object?> dict => dict.Count > 0,
        _ => true,
    };

    /// <summary>Python's str(): what <c>{{ value }}</c> prints.</summary>
    public static string ToText(object? value) => value switch
    {
        string s => s,
        JinjaUndefined => string.Empty,
        _ => Repr(value),
    };

    public static string Repr(object? value) => value switch
    {
        null => "None",
        JinjaUndefined => string.Empty,
        bool b => b ? "True" : "False",
        long l => l.ToString(CultureInfo.InvariantCulture),
        double d => FormatFloat(d),
        string s => QuoteString(s),
        List<object?> list => "[" + string.Join(", ", list.Select(Repr)) + "]",
        Dictionary<string, object?> dict => "{" + string.Join(", ", dict.Select(p => QuoteString(p.Key) + ": " + Repr(p.Value))) + "}",
        JinjaNamespace => "<Namespace>",
        JinjaCallable c => $"<function {c.Name}>",
        _ => value.ToString() ?? string.Empty,
    };

    /// <summary>Python's repr of a float: shortest round-trip digits, always with a '.0' or exponent.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d))
        {
            return "nan";
        }
        if (double.IsInfinity(d))
        {
            return d > 0 ? "inf" : "-inf";
        }
        var abs = Math.Abs(d);
        if (abs != 0 && (abs >= 1e16 || abs < 1e-4))
        {
            var r = d.ToString("R", CultureInfo.InvariantCulture);
            // "R" gives e.g. 1E+20; Python writes 1e+20, and 1e-05 with two exponent digits.
            var mantissaEnd = r.IndexOf('E', StringComparison.Ordinal);
            if (mantissaEnd < 0)
            {
                return r;
            }
            var exponent = int.Parse(r[(mantissaEnd + 1)..], CultureInfo.InvariantCulture);
            return r[..mantissaEnd] + "e" + (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        }
        var text = d.ToString("R", CultureInfo.InvariantCulture);
        return text.Contains('.', StringComparison.Ordinal) || text.Contains('E', StringComparison.Ordinal) ? text : text + ".0";
    }

    private static string QuoteString(string s)
    {
        var quote = s.Contains('\'', StringComparison.Ordinal) && !s.Contains('"', StringComparison.Ordinal) ? '"' : '\'';
        var builder = new StringBuilder().Append(quote);
        foreach (var c in s)
        {
            builder.Append(c switch
            {
                '\\' => "\\\\",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                _ when c == quote => "\\" + c,
                _ => c.ToString(),
            });
        }
        return builder.Append(quote).ToString();
    }

    public static string TypeName(object? value) => value switch
    {
        null => "NoneType",
        JinjaUndefined => "Undefined",
        bool => "bool",
        long => "int",
        double => "float",
        string => "str",
        List<object?> => "list",
        Dictionary<string, object?> => "dict",
        JinjaNamespace => "Namespace",
        JinjaCallable => "function",
        _ => value.GetType().Name,
    };

    public static bool IsNumber(object? value) => value is long or double or bool;

    public static double ToDouble(object? value) => value switch
    {
        long l => l,
        double d => d,
        bool b => b ? 1 : 0,
        _ => throw new JinjaRuntimeError($"expected a number, got {TypeName(value)}"),
    };

    public static new bool Equals(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return ToDouble(a) == ToDouble(b);
        }
        return (a, b) switch
        {
            (null, null) => true,
            (JinjaUndefined, JinjaUndefined) => true,
            (string x, string y) => string.Equals(x, y, StringComparison.Ordinal),
            (List<object?> x, List<object?> y) => x.Count == y.Count && x.Zip(y).All(p => Equals(p.First, p.Second)),
            (Dictionary<string, object?> x, Dictionary<string, object?> y) =>
                x.Count == y.Count && x.All(p => y.TryGetValue(p.Key, out var v) && Equals(p.Value, v)),
            _ => ReferenceEquals(a, b),
        };
    }

    public static int Compare(object? a, object? b)
    {
        if (IsNumber(a) && IsNumber(b))
        {
            return ToDouble(a).CompareTo(ToDouble(b));
        }
        if (a is string x && b is string y)
        {
            return string.CompareOrdinal(x, y);
        }
        if (a is List<object?> p && b is List<object?> q)
        {
            for (var i = 0; i < Math.Min(p.Count, q.Count); i++)
            {
                if (!Equals(p[i], q[i]))
                {
                    return Compare(p[i], q[i]);
                }
            }
            return p.Count.CompareTo(q.Count);
        }
        throw new JinjaRuntimeError($"'<' not supported between {TypeName(a)} and {TypeName(b)}");
    }

    public static bool Contains(object? container, object? item) => container switch
    {
        string s when item is string t => s.Contains(t, StringComparison.Ordinal),
        string => throw new JinjaRuntimeError($"'in <string>' requires a string on the left, not {TypeName(item)}"),
        List<object?> list => list.Any(x => Equals(x, item)),
        Dictionary<string, object?> dict => item is string key && dict.ContainsKey(key),
        // Python falls back to iterating an Undefined, which yields nothing.
        JinjaUndefined => false,
        _ => throw new JinjaRuntimeError($"argument of type {TypeName(container)} is not iterable"),
    };

    /// <summary>What a for loop walks: list items, dict keys, string characters (as Python iterates them).</summary>
    public static List<object?> Iterate(object? value) => value switch
    {
        List<object?> list => list,
        Dictionary<string, object?> dict => [.. dict.Keys],
        string s => [.. TextElements(s)],
        JinjaUndefined => [],
        _ => throw new JinjaRuntimeError($"{TypeName(value)} is not iterable"),
    };

    /// <summary>A string's characters as Python counts them: code points, so a surrogate pair is one character.</summary>
    public static List<object?> TextElements(string s)
    {
        var result = new List<object?>(s.Length);
        for (var i = 0; i < s.Length; i++)
        {
            var width = char.IsHighSurrogate(s[i]) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]) ? 2 : 1;
            result.Add(s.Substring(i, width));
            i += width - 1;
        }
        return result;
    }

    public static long Length(object? value) => value switch
    {
        string s => TextElements(s).Count,
        List<object?> list => list.Count,
        Dictionary<string, object?> dict => dict.Count,
        JinjaUndefined => 0,
        _ => throw new JinjaRuntimeError($"object of type {TypeName(value)} has no len()"),
    };

    public static object? Arithmetic(string op, object? a, object? b)
    {
        switch (op)
        {
            case "+" when a is string x && b is string y:
                return x + y;
            case "+" when a is List<object?> p && b is List<object?> q:
                return (List<object?>)[.. p, .. q];
            case "*" when a is string s && b is long n:
                return string.Concat(Enumerable.Repeat(s, (int)Math.Max(0, n)));
            case "*" when a is List<object?> list && b is long count:
                return Enumerable.Range(0, (int)Math.Max(0, count)).SelectMany(_ => list).ToList();
            case "%" when a is string format:
                return PercentFormat(format, b);
        }
        if (!IsNumber(a) || !IsNumber(b))
        {
            throw new JinjaRuntimeError($"unsupported operand types for {op}: {TypeName(a)} and {TypeName(b)}");
        }
        if (a is not double && b is not double && op is not "/")
        {
            var x = a is bool ba ? (ba ? 1L : 0L) : (long)a!;
            var y = b is bool bb ? (bb ? 1L : 0L) : (long)b!;
            return op switch
            {
                "+" => (object)(x + y),
                "-" => x - y,
                "*" => x * y,
                "//" => y == 0 ? throw new JinjaRuntimeError("integer division by zero") : (long)Math.Floor((double)x / y),
                "%" => y == 0 ? throw new JinjaRuntimeError("integer modulo by zero") : ((x % y) + y) % y,
                "**" => y >= 0 ? (object)(long)Math.Pow(x, y) : Math.Pow(x, y),
                _ => throw new JinjaRuntimeError($"unknown operator {op}"),
            };
        }
        var dx = ToDouble(a);
        var dy = ToDouble(b);
        return op switch
        {
            "+" => dx + dy,
            "-" => dx - dy,
            "*" => dx * dy,
            "/" => dy == 0 ? throw new JinjaRuntimeError("division by zero") : dx / dy,
            "//" => dy == 0 ? throw new JinjaRuntimeError("float floor division by zero") : Math.Floor(dx / dy),
            "%" => dy == 0 ? throw new JinjaRuntimeError("float modulo") : dx - (dy * Math.Floor(dx / dy)),
            "**" => Math.Pow(dx, dy),
            _ => throw new JinjaRuntimeError($"unknown operator {op}"),
        };
    }

    /// <summary>Python's <c>"%s" % value</c> for %s, %d, %r and %%, which is what templates use.</summary>
    public static string PercentFormat(string format, object? arguments)
    {
        var values = arguments is List<object?> tuple ? tuple : [arguments];
        var next = 0;
        var builder = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }
            var spec = format[++i];
            if (spec == '%')
            {
                builder.Append('%');
                continue;
            }
            if (next >= values.Count)
            {
                throw new JinjaRuntimeError("not enough arguments for format string");
            }
            var value = values[next++];
            builder.Append(spec switch
            {
                's' => ToText(value),
                'r' => Repr(value),
                'd' or 'i' => ((long)ToDouble(value)).ToString(CultureInfo.InvariantCulture),
                _ => throw new JinjaRuntimeError($"format %{spec} is not supported"),
            });
        }
        return builder.ToString();
    }
}
