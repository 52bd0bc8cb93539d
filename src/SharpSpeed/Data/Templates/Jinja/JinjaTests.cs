namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>The tests of <c>value is name(args)</c>, as Jinja2 defines them.</summary>
internal static class JinjaTests
{
    public static bool Apply(string name, object? value, IReadOnlyList<object?> args)
    {
        object? Arg() => JinjaMethods.Arg(args, 0, "test " + name);
        return name switch
        {
            "defined" => value is not JinjaUndefined,
            "undefined" => value is JinjaUndefined,
            "none" => value is null,
            "boolean" => value is bool,
            "true" => value is true,
            "false" => value is false,
            "string" => value is string,
            "number" => value is long or double,
            "integer" => value is long,
            "float" => value is double,
            "mapping" => value is Dictionary<string, object?>,
            "iterable" => value is string or List<object?> or Dictionary<string, object?>,
            "sequence" => value is string or List<object?> or Dictionary<string, object?>,
            "callable" => value is JinjaCallable,
            "odd" => Integer(value, name) % 2 != 0,
            "even" => Integer(value, name) % 2 == 0,
            "divisibleby" => Integer(value, name) % Integer(Arg(), name) == 0,
            "lower" => value is string lower && lower.Any(char.IsLetter) && !lower.Any(char.IsUpper),
            "upper" => value is string upper && upper.Any(char.IsLetter) && !upper.Any(char.IsLower),
            "eq" or "equalto" or "==" => JinjaOps.Equals(value, Arg()),
            "ne" or "!=" => !JinjaOps.Equals(value, Arg()),
            "lt" or "lessthan" or "<" => JinjaOps.Compare(value, Arg()) < 0,
            "le" or "<=" => JinjaOps.Compare(value, Arg()) <= 0,
            "gt" or "greaterthan" or ">" => JinjaOps.Compare(value, Arg()) > 0,
            "ge" or ">=" => JinjaOps.Compare(value, Arg()) >= 0,
            "in" => JinjaOps.Contains(Arg(), value),
            "sameas" => Same(value, Arg()),
            _ => throw new JinjaRuntimeError($"unknown test '{name}'"),
        };
    }

    private static long Integer(object? value, string test) =>
        value is long l ? l : throw new JinjaRuntimeError($"test '{test}' needs an integer, got {JinjaOps.TypeName(value)}");

    /// <summary>Python's <c>is</c>: None, booleans and small values by value, everything else by reference.</summary>
    private static bool Same(object? a, object? b) => (a, b) switch
    {
        (null, null) => true,
        (bool x, bool y) => x == y,
        (long x, long y) => x == y,
        (string x, string y) => x == y,
        _ => ReferenceEquals(a, b),
    };
}
