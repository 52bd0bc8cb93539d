namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// A parsed Jinja template, rendered as HF's <c>apply_chat_template</c> renders chat templates: an immutable
/// sandbox with <c>trim_blocks</c> and <c>lstrip_blocks</c> on, loop controls, and the globals
/// <c>raise_exception</c> and <c>strftime_now</c>. Unsupported syntax fails at parse time with one line naming
/// the template, line and column.
/// </summary>
public sealed class JinjaTemplate
{
    private readonly IReadOnlyList<Stmt> _program;

    private JinjaTemplate(string name, IReadOnlyList<Stmt> program)
    {
        Name = name;
        _program = program;
    }

    public string Name { get; }

    public static JinjaTemplate Parse(string source, string name = "template", bool trimBlocks = true, bool lstripBlocks = true)
    {
        ArgumentNullException.ThrowIfNull(source);
        var tokens = JinjaLexer.Tokenize(source, name, trimBlocks, lstripBlocks);
        return new JinjaTemplate(name, JinjaParser.Parse(tokens, name));
    }

    /// <summary>Renders with the given variables (values as <see cref="JinjaJson.FromJson"/> makes them).</summary>
    public string Render(IReadOnlyDictionary<string, object?> variables, Func<DateTime>? now = null) =>
        RenderWithGenerationSpans(variables, now).Text;

    /// <summary>Also returns the output ranges [start, end) produced inside <c>{% generation %}</c> blocks.</summary>
    public (string Text, IReadOnlyList<(int Start, int End)> GenerationSpans) RenderWithGenerationSpans(
        IReadOnlyDictionary<string, object?> variables, Func<DateTime>? now = null)
    {
        ArgumentNullException.ThrowIfNull(variables);
        var globals = new JinjaScope(null);
        JinjaGlobals.AddTo(globals, now ?? (() => DateTime.Now));
        var scope = globals.Child();
        foreach (var (key, value) in variables)
        {
            scope.Set(key, value);
        }
        try
        {
            return new JinjaRenderer(Name).Render(_program, scope);
        }
        catch (JinjaRaisedError e)
        {
            throw new JinjaException($"{Name}: the template raised an exception: {e.Message}", e);
        }
        catch (JinjaRuntimeError e)
        {
            throw new JinjaException($"{Name}: {e.Message}", e);
        }
    }
}
