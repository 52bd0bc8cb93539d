using System.Globalization;

namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// Expressions, with Jinja2's precedence from loosest to tightest: <c>x if c else y</c>, <c>or</c>, <c>and</c>,
/// <c>not</c>, comparisons and <c>in</c>, <c>+ -</c>, <c>~</c>, <c>* / // %</c>, <c>**</c>, unary <c>-</c>/<c>+</c>,
/// then a primary with its <c>.attr</c>, <c>[index]</c>, <c>(call)</c>, <c>| filter</c> and <c>is test</c> postfixes.
/// </summary>
internal sealed partial class JinjaParser
{
    private static readonly HashSet<string> Comparisons = ["==", "!=", "<", "<=", ">", ">="];

    /// <summary>Words that end a test's bare argument (<c>x is divisibleby 3</c>) rather than being one.</summary>
    private static readonly HashSet<string> Keywords = ["and", "or", "not", "in", "is", "if", "else", "elif"];

    private Expr ParseExpression(bool allowConditional = true)
    {
        var value = ParseOr();
        if (!allowConditional)
        {
            return value;
        }
        while (Current.IsName("if"))
        {
            var position = Current.Position;
            _index++;
            var condition = ParseOr();
            Expr? otherwise = null;
            if (Current.IsName("else"))
            {
                _index++;
                otherwise = ParseExpression();
            }
            value = new ConditionalExpr(position, condition, value, otherwise);
        }
        return value;
    }

    /// <summary>An expression, or a bare tuple <c>a, b</c>.</summary>
    private Expr ParseTuple(bool allowConditional)
    {
        var first = ParseExpression(allowConditional);
        if (!Current.IsOperator(","))
        {
            return first;
        }
        var items = new List<Expr> { first };
        while (Accept(","))
        {
            if (Current.Kind is TokenKind.BlockEnd or TokenKind.VariableEnd || Current.IsName("if"))
            {
                break;
            }
            items.Add(ParseExpression(allowConditional));
        }
        return new TupleExpr(first.Position, items);
    }

    private Expr ParseOr()
    {
        var left = ParseAnd();
        while (Current.IsName("or"))
        {
            var position = Current.Position;
            _index++;
            left = new BinaryExpr(position, "or", left, ParseAnd());
        }
        return left;
    }

    private Expr ParseAnd()
    {
        var left = ParseNot();
        while (Current.IsName("and"))
        {
            var position = Current.Position;
            _index++;
            left = new BinaryExpr(position, "and", left, ParseNot());
        }
        return left;
    }

    private Expr ParseNot()
    {
        if (Current.IsName("not"))
        {
            var position = Current.Position;
            _index++;
            return new UnaryExpr(position, "not", ParseNot());
        }
        return ParseCompare();
    }

    private Expr ParseCompare()
    {
        var left = ParseAdditive();
        while (true)
        {
            var token = Current;
            if (token.Kind == TokenKind.Operator && Comparisons.Contains(token.Value))
            {
                _index++;
                left = new BinaryExpr(token.Position, token.Value, left, ParseAdditive());
            }
            else if (token.IsName("in"))
            {
                _index++;
                left = new BinaryExpr(token.Position, "in", left, ParseAdditive());
            }
            else if (token.IsName("not") && Peek(1).IsName("in"))
            {
                _index += 2;
                left = new BinaryExpr(token.Position, "not in", left, ParseAdditive());
            }
            else
            {
                return left;
            }
        }
    }

    private Expr ParseAdditive()
    {
        var left = ParseConcat();
        while (Current.IsOperator("+") || Current.IsOperator("-"))
        {
            var token = Current;
            _index++;
            left = new BinaryExpr(token.Position, token.Value, left, ParseConcat());
        }
        return left;
    }

    private Expr ParseConcat()
    {
        var left = ParseMultiplicative();
        while (Current.IsOperator("~"))
        {
            var token = Current;
            _index++;
            left = new BinaryExpr(token.Position, "~", left, ParseMultiplicative());
        }
        return left;
    }

    private Expr ParseMultiplicative()
    {
        var left = ParsePower();
        while (Current.Kind == TokenKind.Operator && Current.Value is "*" or "/" or "//" or "%")
        {
            var token = Current;
            _index++;
            left = new BinaryExpr(token.Position, token.Value, left, ParsePower());
        }
        return left;
    }

    private Expr ParsePower()
    {
        var left = ParseUnary();
        while (Current.IsOperator("**"))
        {
            var token = Current;
            _index++;
            left = new BinaryExpr(token.Position, "**", left, ParseUnary());
        }
        return left;
    }

    /// <summary>A sign applies before filters, as in Jinja2: <c>-3 | abs</c> is <c>(-3) | abs</c>.</summary>
    private Expr ParseUnary(bool withFilters = true)
    {
        var token = Current;
        Expr value;
        if (token.IsOperator("-") || token.IsOperator("+"))
        {
            _index++;
            value = new UnaryExpr(token.Position, token.Value, ParseUnary(withFilters: false));
        }
        else
        {
            value = ParsePostfix(ParsePrimary());
        }
        return withFilters ? ParseFiltersAndTests(value) : value;
    }

    private Expr ParseFiltersAndTests(Expr value)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("|"))
            {
                _index++;
                var name = ExpectName("a filter name");
                value = ParsePostfix(new FilterExpr(token.Position, value, name, ParseOptionalArguments()));
            }
            else if (token.IsName("is"))
            {
                _index++;
                var negated = false;
                if (Current.IsName("not"))
                {
                    negated = true;
                    _index++;
                }
                var name = ExpectName("a test name");
                var arguments = Current.IsOperator("(") ? ParseOptionalArguments()
                    : StartsBareTestArgument() ? new Arguments([ParsePostfix(ParsePrimary())], []) : Arguments.None;
                value = new TestExpr(token.Position, value, name, arguments, negated);
            }
            else
            {
                return value;
            }
        }
    }

    private bool StartsBareTestArgument() => Current.Kind switch
    {
        TokenKind.String or TokenKind.Integer or TokenKind.Float => true,
        TokenKind.Name => !Keywords.Contains(Current.Value),
        _ => false,
    };

    private Arguments ParseOptionalArguments() => Current.IsOperator("(") ? ParseArguments() : Arguments.None;

    private Arguments ParseArguments()
    {
        Expect(TokenKind.Operator, "'('", "(");
        var positional = new List<Expr>();
        var keywords = new List<(string, Expr)>();
        while (!Accept(")"))
        {
            if (positional.Count + keywords.Count > 0)
            {
                Expect(TokenKind.Operator, "',' or ')'", ",");
                if (Accept(")"))
                {
                    break;
                }
            }
            if (Current.IsOperator("*") || Current.IsOperator("**"))
            {
                var spread = Current;
                _index++;
                positional.Add(new SpreadExpr(spread.Position, ParseExpression(), Keywords: spread.Value == "**"));
            }
            else if (Current.Kind == TokenKind.Name && Peek(1).IsOperator("="))
            {
                var name = Current.Value;
                _index += 2;
                keywords.Add((name, ParseExpression()));
            }
            else if (keywords.Count > 0)
            {
                throw Error(Current, "a positional argument cannot follow keyword arguments");
            }
            else
            {
                positional.Add(ParseExpression());
            }
        }
        return new Arguments(positional, keywords);
    }

    private Expr ParsePostfix(Expr value)
    {
        while (true)
        {
            var token = Current;
            if (token.IsOperator("."))
            {
                _index++;
                var name = Current;
                if (name.Kind is not (TokenKind.Name or TokenKind.Integer))
                {
                    throw Error(name, $"expected an attribute name after '.', found {name}");
                }
                _index++;
                value = name.Kind == TokenKind.Integer
                    ? new SubscriptExpr(token.Position, value, new Literal(name.Position, long.Parse(name.Value, CultureInfo.InvariantCulture)))
                    : new AttributeExpr(token.Position, value, name.Value);
            }
            else if (token.IsOperator("["))
            {
                _index++;
                value = new SubscriptExpr(token.Position, value, ParseSubscript());
                Expect(TokenKind.Operator, "']'", "]");
            }
            else if (token.IsOperator("("))
            {
                value = new CallExpr(token.Position, value, ParseArguments());
            }
            else
            {
                return value;
            }
        }
    }

    private Expr ParseSubscript()
    {
        var position = Current.Position;
        Expr? start = Current.IsOperator(":") ? null : ParseExpression();
        if (!Current.IsOperator(":"))
        {
            return start!;
        }
        _index++;
        Expr? stop = Current.IsOperator(":") || Current.IsOperator("]") ? null : ParseExpression();
        Expr? step = null;
        if (Accept(":") && !Current.IsOperator("]"))
        {
            step = ParseExpression();
        }
        return new SliceExpr(position, start, stop, step);
    }

    private Expr ParsePrimary()
    {
        var token = Current;
        _index++;
        switch (token.Kind)
        {
            case TokenKind.String:
                var text = token.Value;
                // Adjacent literals concatenate, as in Python.
                while (Current.Kind == TokenKind.String)
                {
                    text += Current.Value;
                    _index++;
                }
                return new Literal(token.Position, text);
            case TokenKind.Integer:
                return new Literal(token.Position, long.Parse(token.Value, CultureInfo.InvariantCulture));
            case TokenKind.Float:
                return new Literal(token.Position, double.Parse(token.Value, CultureInfo.InvariantCulture));
            case TokenKind.Name:
                return token.Value switch
                {
                    "true" or "True" => new Literal(token.Position, true),
                    "false" or "False" => new Literal(token.Position, false),
                    "none" or "None" => new Literal(token.Position, null),
                    _ => new NameRef(token.Position, token.Value),
                };
            case TokenKind.Operator when token.Value == "(":
                if (Accept(")"))
                {
                    return new TupleExpr(token.Position, []);
                }
                var inner = ParseTuple(allowConditional: true);
                Expect(TokenKind.Operator, "')'", ")");
                return inner;
            case TokenKind.Operator when token.Value == "[":
                var items = new List<Expr>();
                while (!Accept("]"))
                {
                    if (items.Count > 0)
                    {
                        Expect(TokenKind.Operator, "',' or ']'", ",");
                        if (Accept("]"))
                        {
                            break;
                        }
                    }
                    items.Add(ParseExpression());
                }
                return new ListExpr(token.Position, items);
            case TokenKind.Operator when token.Value == "{":
                var pairs = new List<(Expr, Expr)>();
                while (!Accept("}"))
                {
                    if (pairs.Count > 0)
                    {
                        Expect(TokenKind.Operator, "',' or '}'", ",");
                        if (Accept("}"))
                        {
                            break;
                        }
                    }
                    var key = ParseExpression();
                    Expect(TokenKind.Operator, "':'", ":");
                    pairs.Add((key, ParseExpression()));
                }
                return new DictExpr(token.Position, pairs);
            default:
                throw Error(token, $"unexpected {token} in expression");
        }
    }
}
