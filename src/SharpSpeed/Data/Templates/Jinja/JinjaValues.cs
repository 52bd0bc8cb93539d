namespace SharpSpeed.Data.Templates.Jinja;

// Template values are plain .NET objects: null (Python None), bool, long, double, string,
// List<object?> (list or tuple), Dictionary<string, object?> (insertion-ordered mapping), and the types below.

/// <summary>Jinja's Undefined: a missing variable, key or attribute. Prints as empty, is falsy, fails when used deeper.</summary>
public sealed class JinjaUndefined
{
    private JinjaUndefined(string name) => Name = name;

    public static JinjaUndefined Instance { get; } = new("value");

    public string Name { get; }

    public static JinjaUndefined Named(string name) => new(name);
}

/// <summary>namespace(...): the one object whose attributes a template may assign, across loop scopes.</summary>
public sealed class JinjaNamespace
{
    public Dictionary<string, object?> Attributes { get; } = [];
}

/// <summary>Anything a template can call: macros, globals, bound methods. Arguments are positional and keyword.</summary>
public delegate object? JinjaFunction(IReadOnlyList<object?> args, IReadOnlyDictionary<string, object?> kwargs);

/// <summary>A callable value, with the name used in error messages.</summary>
public sealed record JinjaCallable(string Name, JinjaFunction Invoke);

/// <summary>The <c>loop</c> variable of a for loop. Loops are never recursive here, so depth is always 1, as in Jinja2.</summary>
internal sealed class JinjaLoop(IReadOnlyList<object?> items)
{
    public int Index0 { get; set; }

    public object? Attribute(string name) => name switch
    {
        "index" => (long)Index0 + 1,
        "index0" => (long)Index0,
        "revindex" => (long)(items.Count - Index0),
        "revindex0" => (long)(items.Count - Index0 - 1),
        "first" => Index0 == 0,
        "last" => Index0 == items.Count - 1,
        "length" => (long)items.Count,
        "depth" => 1L,
        "depth0" => 0L,
        "previtem" => Index0 > 0 ? items[Index0 - 1] : JinjaUndefined.Named("loop.previtem"),
        "nextitem" => Index0 < items.Count - 1 ? items[Index0 + 1] : JinjaUndefined.Named("loop.nextitem"),
        "cycle" => new JinjaCallable("loop.cycle", (args, _) => args.Count == 0
            ? throw new JinjaRuntimeError("loop.cycle needs at least one argument")
            : args[Index0 % args.Count]),
        _ => JinjaUndefined.Named("loop." + name),
    };
}
