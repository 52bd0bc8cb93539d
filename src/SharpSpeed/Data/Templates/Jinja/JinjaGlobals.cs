using System.Globalization;
using System.Text;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// The functions every template sees: Jinja's <c>range</c>, <c>namespace</c>, <c>dict</c>, and HF's
/// <c>raise_exception(message)</c> and <c>strftime_now(format)</c>.
/// </summary>
internal static class JinjaGlobals
{
    public static void AddTo(JinjaScope scope, Func<DateTime> now)
    {
        scope.Set("range", new JinjaCallable("range", (args, _) => Range(args)));
        scope.Set("namespace", new JinjaCallable("namespace", (args, kwargs) =>
        {
            var ns = new JinjaNamespace();
            if (args.Count > 0 && args[0] is Dictionary<string, object?> initial)
            {
                foreach (var (key, value) in initial)
                {
                    ns.Attributes[key] = value;
                }
            }
            foreach (var (key, value) in kwargs)
            {
                ns.Attributes[key] = value;
            }
            return ns;
        }));
        scope.Set("dict", new JinjaCallable("dict", (_, kwargs) => new Dictionary<string, object?>(kwargs)));
        scope.Set("raise_exception", new JinjaCallable("raise_exception", (args, _) =>
            throw new JinjaRaisedError(JinjaOps.ToText(args.Count > 0 ? args[0] : "raise_exception() called"))));
        scope.Set("strftime_now", new JinjaCallable("strftime_now", (args, _) =>
            Strftime(now(), JinjaMethods.Text(JinjaMethods.Arg(args, 0, "strftime_now")))));
    }

    private static List<object?> Range(IReadOnlyList<object?> args)
    {
        long Int(int i) => args[i] is long l ? l : throw new JinjaRuntimeError("range() arguments must be integers");
        var (start, stop, step) = args.Count switch
        {
            1 => (0L, Int(0), 1L),
            2 => (Int(0), Int(1), 1L),
            3 => (Int(0), Int(1), Int(2)),
            _ => throw new JinjaRuntimeError("range() takes 1 to 3 arguments"),
        };
        if (step == 0)
        {
            throw new JinjaRuntimeError("range() step must not be zero");
        }
        var result = new List<object?>();
        for (var i = start; step > 0 ? i < stop : i > stop; i += step)
        {
            result.Add(i);
        }
        return result;
    }

    /// <summary>C's strftime directives that Python documents, in the C locale.</summary>
    public static string Strftime(DateTime time, string format)
    {
        var c = CultureInfo.InvariantCulture;
        var builder = new StringBuilder();
        for (var i = 0; i < format.Length; i++)
        {
            if (format[i] != '%' || i + 1 >= format.Length)
            {
                builder.Append(format[i]);
                continue;
            }
            var directive = format[++i];
            // glibc's "-" flag (e.g. %-d) drops the zero padding.
            var unpadded = directive == '-' && i + 1 < format.Length;
            if (unpadded)
            {
                directive = format[++i];
            }
            var text = directive switch
            {
                'Y' => time.Year.ToString(c),
                'y' => time.ToString("yy", c),
                'm' => time.ToString("MM", c),
                'd' => time.ToString("dd", c),
                'e' => time.Day.ToString(c).PadLeft(2),
                'H' => time.ToString("HH", c),
                'I' => time.ToString("hh", c),
                'M' => time.ToString("mm", c),
                'S' => time.ToString("ss", c),
                'p' => time.Hour < 12 ? "AM" : "PM",
                'B' => time.ToString("MMMM", c),
                'b' or 'h' => time.ToString("MMM", c),
                'A' => time.ToString("dddd", c),
                'a' => time.ToString("ddd", c),
                'j' => time.DayOfYear.ToString("000", c),
                'f' => time.ToString("ffffff", c),
                'w' => ((int)time.DayOfWeek).ToString(c),
                'F' => time.ToString("yyyy-MM-dd", c),
                'T' => time.ToString("HH:mm:ss", c),
                '%' => "%",
                _ => throw new JinjaRuntimeError($"strftime_now: directive %{directive} is not supported"),
            };
            builder.Append(unpadded && text.Length > 1 ? text.TrimStart('0').PadLeft(1, '0') : text);
        }
        return builder.ToString();
    }
}
