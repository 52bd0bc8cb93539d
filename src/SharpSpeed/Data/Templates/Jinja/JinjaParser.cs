namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// Statements of the template language: text, <c>{{ }}</c> output, and the block tags chat templates use.
/// Expressions are parsed in the other half of this class.
/// </summary>
internal sealed partial class JinjaParser
{
    /// <summary>Name bound to a filter block's rendered body while its filters run.</summary>
    internal const string FilterBodyName = "\0filter-body";

    private static readonly HashSet<string> Unsupported =
        ["raw", "include", "import", "from", "extends", "block", "with", "autoescape", "trans", "recursive"];

    private readonly List<JinjaToken> _tokens;
    private readonly string _name;
    private int _index;

    private JinjaParser(List<JinjaToken> tokens, string name)
    {
        _tokens = tokens;
        _name = name;
    }

    public static IReadOnlyList<Stmt> Parse(List<JinjaToken> tokens, string name)
    {
        var parser = new JinjaParser(tokens, name);
        var body = parser.ParseBody();
        if (parser.Current.Kind != TokenKind.EndOfTemplate)
        {
            var tag = parser.Peek(1);
            throw parser.Error(tag, $"unexpected '{{% {tag.Value} %}}' with no block open");
        }
        return body;
    }

    private JinjaToken Current => _tokens[_index];

    private JinjaToken Peek(int ahead) => _tokens[Math.Min(_index + ahead, _tokens.Count - 1)];

    /// <summary>Statements up to (not including) a block tag named in <paramref name="endNames"/>, or the end.</summary>
    private List<Stmt> ParseBody(params string[] endNames)
    {
        var body = new List<Stmt>();
        while (true)
        {
            var token = Current;
            switch (token.Kind)
            {
                case TokenKind.EndOfTemplate:
                    if (endNames.Length > 0)
                    {
                        throw Error(token, $"unexpected end of template; expected '{{% {string.Join("' or '{% ", endNames)} %}}'");
                    }
                    return body;
                case TokenKind.Text:
                    _index++;
                    body.Add(new TextStmt(token.Position, token.Value));
                    break;
                case TokenKind.VariableStart:
                    _index++;
                    var value = ParseTuple(allowConditional: true);
                    Expect(TokenKind.VariableEnd, "'}}'");
                    body.Add(new OutputStmt(token.Position, value));
                    break;
                case TokenKind.BlockStart:
                    var keyword = Peek(1);
                    if (keyword.Kind == TokenKind.Name && endNames.Contains(keyword.Value))
                    {
                        return body;
                    }
                    if (keyword.Kind == TokenKind.Name && (keyword.Value.StartsWith("end", StringComparison.Ordinal)
                                                           || keyword.Value is "elif" or "else"))
                    {
                        throw Error(keyword, endNames.Length == 0
                            ? $"unexpected '{{% {keyword.Value} %}}' with no block open"
                            : $"unexpected '{{% {keyword.Value} %}}'; expected '{{% {string.Join("' or '{% ", endNames)} %}}'");
                    }
                    _index += 2;
                    body.Add(ParseStatement(keyword));
                    break;
                default:
                    throw Error(token, $"unexpected {token}");
            }
        }
    }

    private Stmt ParseStatement(JinjaToken keyword)
    {
        if (keyword.Kind != TokenKind.Name)
        {
            throw Error(keyword, $"expected a tag name after '{{%', found {keyword}");
        }
        var position = keyword.Position;
        switch (keyword.Value)
        {
            case "if":
                return ParseIf(position);
            case "for":
                return ParseFor(position);
            case "set":
                return ParseSet(position);
            case "macro":
                return ParseMacro(position);
            case "call":
                return ParseCallBlock(position);
            case "filter":
                return ParseFilterBlock(position);
            case "generation":
                ExpectBlockEnd();
                var generated = ParseBody("endgeneration");
                CloseBlock();
                return new GenerationStmt(position, generated);
            case "break":
                ExpectBlockEnd();
                return new BreakStmt(position);
            case "continue":
                ExpectBlockEnd();
                return new ContinueStmt(position);
            case "do":
                var value = ParseTuple(allowConditional: true);
                ExpectBlockEnd();
                return new DoStmt(position, value);
            default:
                throw Error(keyword, Unsupported.Contains(keyword.Value)
                    ? $"'{{% {keyword.Value} %}}' is not supported by SharpSpeed's chat-template interpreter"
                    : $"unknown tag '{{% {keyword.Value} %}}'");
        }
    }

    private IfStmt ParseIf(SourcePosition position)
    {
        var branches = new List<(Expr, IReadOnlyList<Stmt>)>();
        var condition = ParseExpression();
        while (true)
        {
            ExpectBlockEnd();
            var body = ParseBody("elif", "else", "endif");
            branches.Add((condition, body));
            var tag = Peek(1).Value;
            _index += 2;
            if (tag == "elif")
            {
                condition = ParseExpression();
                continue;
            }
            var otherwise = new List<Stmt>();
            if (tag == "else")
            {
                ExpectBlockEnd();
                otherwise = ParseBody("endif");
                _index += 2;
            }
            ExpectBlockEnd();
            return new IfStmt(position, branches, otherwise);
        }
    }

    private ForStmt ParseFor(SourcePosition position)
    {
        var targets = new List<string>();
        var parenthesised = Accept("(");
        do
        {
            targets.Add(ExpectName("a loop variable"));
        }
        while (Accept(","));
        if (parenthesised)
        {
            Expect(TokenKind.Operator, "')'", ")");
        }
        if (!Current.IsName("in"))
        {
            throw Error(Current, $"expected 'in' in for loop, found {Current}");
        }
        _index++;
        var iterable = ParseTuple(allowConditional: false);
        Expr? filter = null;
        if (Current.IsName("if"))
        {
            _index++;
            filter = ParseExpression();
        }
        ExpectBlockEnd();
        var body = ParseBody("else", "endfor");
        var otherwise = new List<Stmt>();
        if (Peek(1).Value == "else")
        {
            _index += 2;
            ExpectBlockEnd();
            otherwise = ParseBody("endfor");
        }
        CloseBlock();
        return new ForStmt(position, targets, iterable, filter, body, otherwise);
    }

    private SetStmt ParseSet(SourcePosition position)
    {
        var start = Current;
        Expr target = new NameRef(start.Position, ExpectName("a variable name"));
        if (Accept("."))
        {
            target = new AttributeExpr(start.Position, target, ExpectName("an attribute name"));
        }
        else if (Current.IsOperator(","))
        {
            var names = new List<Expr> { target };
            while (Accept(","))
            {
                names.Add(new NameRef(Current.Position, ExpectName("a variable name")));
            }
            target = new TupleExpr(start.Position, names);
        }
        if (Accept("="))
        {
            var value = ParseTuple(allowConditional: true);
            ExpectBlockEnd();
            return new SetStmt(position, target, value, []);
        }
        ExpectBlockEnd();
        var body = ParseBody("endset");
        CloseBlock();
        return new SetStmt(position, target, null, body);
    }

    private MacroStmt ParseMacro(SourcePosition position)
    {
        var name = ExpectName("a macro name");
        var parameters = ParseParameters();
        ExpectBlockEnd();
        var body = ParseBody("endmacro");
        CloseBlock();
        return new MacroStmt(position, name, parameters, body);
    }

    private CallBlockStmt ParseCallBlock(SourcePosition position)
    {
        var parameters = Current.IsOperator("(") ? ParseParameters() : [];
        var call = ParseExpression() as CallExpr ?? throw Error(Current, "'{% call %}' needs a macro call such as 'name(args)'");
        ExpectBlockEnd();
        var body = ParseBody("endcall");
        CloseBlock();
        return new CallBlockStmt(position, call, parameters, body);
    }

    private FilterBlockStmt ParseFilterBlock(SourcePosition position)
    {
        Expr filters = new NameRef(position, FilterBodyName);
        do
        {
            var name = Current;
            filters = new FilterExpr(name.Position, filters, ExpectName("a filter name"), ParseOptionalArguments());
        }
        while (Accept("|"));
        ExpectBlockEnd();
        var body = ParseBody("endfilter");
        CloseBlock();
        return new FilterBlockStmt(position, filters, body);
    }

    private List<MacroParameter> ParseParameters()
    {
        Expect(TokenKind.Operator, "'('", "(");
        var parameters = new List<MacroParameter>();
        while (!Accept(")"))
        {
            if (parameters.Count > 0)
            {
                Expect(TokenKind.Operator, "',' or ')'", ",");
            }
            var name = ExpectName("a parameter name");
            parameters.Add(new MacroParameter(name, Accept("=") ? ParseExpression() : null));
        }
        return parameters;
    }

    /// <summary>Consumes the <c>{% endxxx %}</c> that <see cref="ParseBody"/> stopped at.</summary>
    private void CloseBlock()
    {
        _index += 2;
        ExpectBlockEnd();
    }

    private void ExpectBlockEnd() => Expect(TokenKind.BlockEnd, "'%}'");

    private JinjaToken Expect(TokenKind kind, string what, string? value = null)
    {
        var token = Current;
        if (token.Kind != kind || (value is not null && token.Value != value))
        {
            throw Error(token, $"expected {what}, found {token}");
        }
        _index++;
        return token;
    }

    private string ExpectName(string what) => Expect(TokenKind.Name, what).Value;

    private bool Accept(string op)
    {
        if (!Current.IsOperator(op))
        {
            return false;
        }
        _index++;
        return true;
    }

    private JinjaException Error(JinjaToken at, string message) => JinjaException.At(_name, at.Position, message);
}
