using System.Text;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// Executes statements into an output buffer. Expressions are evaluated in the other half of this class;
/// errors are reported with the template name and the line of the node that failed.
/// </summary>
internal sealed partial class JinjaRenderer
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    private readonly string _templateName;
    private readonly StringBuilder _output = new();
    private readonly List<(int Start, int End)> _generationSpans = [];

    public JinjaRenderer(string templateName) => _templateName = templateName;

    public (string Text, IReadOnlyList<(int Start, int End)> GenerationSpans) Render(IReadOnlyList<Stmt> program, JinjaScope scope)
    {
        Execute(program, scope);
        return (_output.ToString(), _generationSpans);
    }

    private Flow Execute(IReadOnlyList<Stmt> body, JinjaScope scope)
    {
        foreach (var statement in body)
        {
            var flow = ExecuteOne(statement, scope);
            if (flow != Flow.Normal)
            {
                return flow;
            }
        }
        return Flow.Normal;
    }

    private Flow ExecuteOne(Stmt statement, JinjaScope scope)
    {
        try
        {
            switch (statement)
            {
                case TextStmt text:
                    _output.Append(text.Text);
                    return Flow.Normal;
                case OutputStmt output:
                    _output.Append(JinjaOps.ToText(Evaluate(output.Value, scope)));
                    return Flow.Normal;
                case IfStmt branch:
                    foreach (var (condition, body) in branch.Branches)
                    {
                        if (JinjaOps.IsTrue(Evaluate(condition, scope)))
                        {
                            return Execute(body, scope);
                        }
                    }
                    return Execute(branch.Else, scope);
                case ForStmt loop:
                    ExecuteFor(loop, scope);
                    return Flow.Normal;
                case SetStmt set:
                    Assign(set.Target, set.Value is null ? Capture(set.Body, scope.Child()) : Evaluate(set.Value, scope), scope);
                    return Flow.Normal;
                case MacroStmt macro:
                    scope.Set(macro.Name, DefineMacro(macro.Name, macro.Parameters, macro.Body, scope));
                    return Flow.Normal;
                case CallBlockStmt call:
                    var caller = DefineMacro("caller", call.CallerParameters, call.Body, scope);
                    _output.Append(JinjaOps.ToText(Call(call.Call, scope, ("caller", caller))));
                    return Flow.Normal;
                case FilterBlockStmt filter:
                    var inner = scope.Child();
                    inner.Set(JinjaParser.FilterBodyName, Capture(filter.Body, scope.Child()));
                    _output.Append(JinjaOps.ToText(Evaluate(filter.Filters, inner)));
                    return Flow.Normal;
                case GenerationStmt generation:
                    var start = _output.Length;
                    var flow = Execute(generation.Body, scope);
                    _generationSpans.Add((start, _output.Length));
                    return flow;
                case BreakStmt:
                    return Flow.Break;
                case ContinueStmt:
                    return Flow.Continue;
                case DoStmt run:
                    Evaluate(run.Value, scope);
                    return Flow.Normal;
                default:
                    throw new JinjaRuntimeError($"cannot execute {statement.GetType().Name}");
            }
        }
        catch (JinjaRuntimeError e)
        {
            throw JinjaException.At(_templateName, statement.Position, e.Message);
        }
    }

    private void ExecuteFor(ForStmt loop, JinjaScope scope)
    {
        var source = JinjaOps.Iterate(Evaluate(loop.Iterable, scope));
        var items = source;
        if (loop.Filter is not null)
        {
            items = [];
            foreach (var item in source)
            {
                var test = scope.Child();
                Bind(loop.Targets, item, test);
                if (JinjaOps.IsTrue(Evaluate(loop.Filter, test)))
                {
                    items.Add(item);
                }
            }
        }
        var state = new JinjaLoop(items);
        for (var i = 0; i < items.Count; i++)
        {
            var body = scope.Child();
            state.Index0 = i;
            body.Set("loop", state);
            Bind(loop.Targets, items[i], body);
            if (Execute(loop.Body, body) == Flow.Break)
            {
                break;
            }
        }
        if (items.Count == 0)
        {
            Execute(loop.Else, scope);
        }
    }

    private static void Bind(IReadOnlyList<string> targets, object? item, JinjaScope scope)
    {
        if (targets.Count == 1)
        {
            scope.Set(targets[0], item);
            return;
        }
        var values = item as List<object?>
                     ?? throw new JinjaRuntimeError($"cannot unpack {JinjaOps.TypeName(item)} into {targets.Count} loop variables");
        if (values.Count != targets.Count)
        {
            throw new JinjaRuntimeError($"cannot unpack {values.Count} values into {targets.Count} loop variables");
        }
        for (var i = 0; i < targets.Count; i++)
        {
            scope.Set(targets[i], values[i]);
        }
    }

    private void Assign(Expr target, object? value, JinjaScope scope)
    {
        switch (target)
        {
            case NameRef name:
                scope.Set(name.Name, value);
                break;
            case AttributeExpr { Target: var owner } attribute:
                if (Evaluate(owner, scope) is not JinjaNamespace ns)
                {
                    throw new JinjaRuntimeError($"cannot assign attribute '{attribute.Attribute}' on a non-namespace object");
                }
                ns.Attributes[attribute.Attribute] = value;
                break;
            case TupleExpr tuple:
                Bind([.. tuple.Items.Cast<NameRef>().Select(n => n.Name)], value, scope);
                break;
            default:
                throw new JinjaRuntimeError("cannot assign to this expression");
        }
    }

    /// <summary>Renders a body into a string of its own (block set, filter block, macro output).</summary>
    private string Capture(IReadOnlyList<Stmt> body, JinjaScope scope)
    {
        var mark = _output.Length;
        Execute(body, scope);
        var text = _output.ToString(mark, _output.Length - mark);
        _output.Length = mark;
        _generationSpans.RemoveAll(span => span.Start >= mark);
        return text;
    }

    private JinjaCallable DefineMacro(string name, IReadOnlyList<MacroParameter> parameters, IReadOnlyList<Stmt> body, JinjaScope closure) =>
        new(name, (args, kwargs) =>
        {
            var scope = closure.Child();
            if (args.Count > parameters.Count)
            {
                throw new JinjaRuntimeError($"macro '{name}' takes {parameters.Count} arguments, {args.Count} given");
            }
            for (var i = 0; i < parameters.Count; i++)
            {
                var parameter = parameters[i];
                var value = i < args.Count ? args[i]
                    : kwargs.TryGetValue(parameter.Name, out var keyword) ? keyword
                    : parameter.Default is null ? JinjaUndefined.Named(parameter.Name)
                    : Evaluate(parameter.Default, scope);
                scope.Set(parameter.Name, value);
            }
            if (kwargs.TryGetValue("caller", out var caller))
            {
                scope.Set("caller", caller);
            }
            return Capture(body, scope);
        });
}
