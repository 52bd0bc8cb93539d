namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>Expression evaluation: names, attribute and item access (Jinja's getattr-then-getitem), slices, calls, operators.</summary>
internal sealed partial class JinjaRenderer
{
    public object? Evaluate(Expr expression, JinjaScope scope)
    {
        switch (expression)
        {
            case Literal literal:
                return literal.Value;
            case NameRef name:
                return scope.TryGet(name.Name, out var value) ? value : JinjaUndefined.Named(name.Name);
            case ListExpr list:
                return list.Items.Select(item => Evaluate(item, scope)).ToList();
            case TupleExpr tuple:
                return tuple.Items.Select(item => Evaluate(item, scope)).ToList();
            case DictExpr dict:
                var result = new Dictionary<string, object?>();
                foreach (var (key, item) in dict.Pairs)
                {
                    result[Evaluate(key, scope) as string ?? throw new JinjaRuntimeError("dict keys must be strings")] = Evaluate(item, scope);
                }
                return result;
            case AttributeExpr attribute:
                return GetAttribute(Evaluate(attribute.Target, scope), attribute.Attribute);
            case SubscriptExpr { Index: SliceExpr slice } subscript:
                return Slice(Evaluate(subscript.Target, scope), Optional(slice.Start, scope), Optional(slice.Stop, scope), Optional(slice.Step, scope));
            case SubscriptExpr subscript:
                return GetItem(Evaluate(subscript.Target, scope), Evaluate(subscript.Index, scope));
            case CallExpr call:
                return Call(call, scope);
            case FilterExpr filter:
                var (args, kwargs) = EvaluateArguments(filter.Arguments, scope);
                return JinjaFilters.Apply(this, filter.Name, Evaluate(filter.Value, scope), args, kwargs);
            case TestExpr test:
                var (testArgs, _) = EvaluateArguments(test.Arguments, scope);
                return JinjaTests.Apply(test.Name, Evaluate(test.Value, scope), testArgs) != test.Negated;
            case UnaryExpr unary:
                var operand = Evaluate(unary.Operand, scope);
                return unary.Operator switch
                {
                    "not" => !JinjaOps.IsTrue(operand),
                    "-" => operand is long l ? -l : (object)-JinjaOps.ToDouble(operand),
                    _ => JinjaOps.IsNumber(operand) ? operand : throw new JinjaRuntimeError($"bad operand type for unary +: {JinjaOps.TypeName(operand)}"),
                };
            case BinaryExpr binary:
                return EvaluateBinary(binary, scope);
            case ConditionalExpr conditional:
                return JinjaOps.IsTrue(Evaluate(conditional.Condition, scope)) ? Evaluate(conditional.WhenTrue, scope)
                    : conditional.WhenFalse is null ? JinjaUndefined.Instance : Evaluate(conditional.WhenFalse, scope);
            default:
                throw new JinjaRuntimeError($"cannot evaluate {expression.GetType().Name}");
        }
    }

    private object? Optional(Expr? expression, JinjaScope scope) => expression is null ? null : Evaluate(expression, scope);

    private object? EvaluateBinary(BinaryExpr binary, JinjaScope scope)
    {
        var left = Evaluate(binary.Left, scope);
        switch (binary.Operator)
        {
            case "and":
                return JinjaOps.IsTrue(left) ? Evaluate(binary.Right, scope) : left;
            case "or":
                return JinjaOps.IsTrue(left) ? left : Evaluate(binary.Right, scope);
        }
        var right = Evaluate(binary.Right, scope);
        return binary.Operator switch
        {
            "==" => JinjaOps.Equals(left, right),
            "!=" => !JinjaOps.Equals(left, right),
            "<" => JinjaOps.Compare(left, right) < 0,
            "<=" => JinjaOps.Compare(left, right) <= 0,
            ">" => JinjaOps.Compare(left, right) > 0,
            ">=" => JinjaOps.Compare(left, right) >= 0,
            "in" => JinjaOps.Contains(right, left),
            "not in" => !JinjaOps.Contains(right, left),
            "~" => JinjaOps.ToText(left) + JinjaOps.ToText(right),
            _ => JinjaOps.Arithmetic(binary.Operator, Defined(left, binary.Operator), Defined(right, binary.Operator)),
        };
    }

    private static object? Defined(object? value, string op) => value is JinjaUndefined undefined
        ? throw new JinjaRuntimeError($"'{undefined.Name}' is undefined (used with '{op}')")
        : value;

    public object? Call(CallExpr call, JinjaScope scope, params (string Name, object? Value)[] extraKeywords)
    {
        var callee = Evaluate(call.Callee, scope);
        var (args, kwargs) = EvaluateArguments(call.Arguments, scope);
        foreach (var (name, value) in extraKeywords)
        {
            kwargs[name] = value;
        }
        return callee switch
        {
            JinjaCallable function => function.Invoke(args, kwargs),
            JinjaUndefined undefined => throw new JinjaRuntimeError($"'{undefined.Name}' is undefined and cannot be called"),
            _ => throw new JinjaRuntimeError($"{JinjaOps.TypeName(callee)} object is not callable"),
        };
    }

    private (List<object?> Args, Dictionary<string, object?> Kwargs) EvaluateArguments(Arguments arguments, JinjaScope scope)
    {
        var args = new List<object?>();
        var kwargs = new Dictionary<string, object?>();
        foreach (var argument in arguments.Positional)
        {
            switch (argument)
            {
                case SpreadExpr { Keywords: true } spread:
                    var mapping = Evaluate(spread.Value, scope) as Dictionary<string, object?>
                                  ?? throw new JinjaRuntimeError("argument after ** must be a mapping");
                    foreach (var (key, value) in mapping)
                    {
                        kwargs[key] = value;
                    }
                    break;
                case SpreadExpr spread:
                    args.AddRange(JinjaOps.Iterate(Evaluate(spread.Value, scope)));
                    break;
                default:
                    args.Add(Evaluate(argument, scope));
                    break;
            }
        }
        foreach (var (name, value) in arguments.Keywords)
        {
            kwargs[name] = Evaluate(value, scope);
        }
        return (args, kwargs);
    }

    /// <summary><c>x.name</c>: a method of the value's type first (as Python's getattr finds it), then its key.</summary>
    public static object? GetAttribute(object? target, string name)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw new JinjaRuntimeError($"'{undefined.Name}' is undefined (reading its attribute '{name}')");
            case JinjaNamespace ns:
                return ns.Attributes.TryGetValue(name, out var attribute) ? attribute : JinjaUndefined.Named(name);
            case JinjaLoop loop:
                return loop.Attribute(name);
        }
        if (JinjaMethods.Bind(target, name) is { } method)
        {
            return method;
        }
        return target is Dictionary<string, object?> dict && dict.TryGetValue(name, out var item) ? item : JinjaUndefined.Named(name);
    }

    /// <summary><c>x[key]</c>: the key or index first, then an attribute of that name.</summary>
    public static object? GetItem(object? target, object? key)
    {
        switch (target)
        {
            case JinjaUndefined undefined:
                throw new JinjaRuntimeError($"'{undefined.Name}' is undefined (reading its item {JinjaOps.Repr(key)})");
            case Dictionary<string, object?> dict when key is string name:
                return dict.TryGetValue(name, out var value) ? value : GetAttribute(dict, name);
            case List<object?> list when key is long or bool:
                var index = (int)JinjaOps.ToDouble(key);
                index = index < 0 ? index + list.Count : index;
                return index >= 0 && index < list.Count ? list[index] : JinjaUndefined.Named($"[{key}]");
            case string text when key is long position:
                var characters = JinjaOps.TextElements(text);
                var at = (int)(position < 0 ? position + characters.Count : position);
                return at >= 0 && at < characters.Count ? characters[at] : JinjaUndefined.Named($"[{key}]");
        }
        return key is string attribute ? GetAttribute(target, attribute) : JinjaUndefined.Named($"[{JinjaOps.Repr(key)}]");
    }

    /// <summary>Python slicing <c>[start:stop:step]</c> of a list or string, negative steps included.</summary>
    public static object? Slice(object? target, object? start, object? stop, object? step)
    {
        var items = target switch
        {
            List<object?> list => list,
            string text => JinjaOps.TextElements(text),
            _ => throw new JinjaRuntimeError($"{JinjaOps.TypeName(target)} cannot be sliced"),
        };
        var stride = step is null ? 1 : (long)JinjaOps.ToDouble(step);
        if (stride == 0)
        {
            throw new JinjaRuntimeError("slice step cannot be zero");
        }
        var count = items.Count;
        long Clamp(object? bound, long whenNone)
        {
            if (bound is null)
            {
                return whenNone;
            }
            var value = (long)JinjaOps.ToDouble(bound);
            value = value < 0 ? value + count : value;
            return stride > 0 ? Math.Clamp(value, 0, count) : Math.Clamp(value, -1, count - 1);
        }
        var from = Clamp(start, stride > 0 ? 0 : count - 1);
        var to = Clamp(stop, stride > 0 ? count : -1);
        var picked = new List<object?>();
        for (var i = from; stride > 0 ? i < to : i > to; i += stride)
        {
            picked.Add(items[(int)i]);
        }
        return target is string ? string.Concat(picked.Cast<string>()) : picked;
    }
}
