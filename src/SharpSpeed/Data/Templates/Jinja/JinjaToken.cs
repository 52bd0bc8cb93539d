namespace SharpSpeed.Data.Templates.Jinja;

internal enum TokenKind
{
    Text,
    VariableStart,
    VariableEnd,
    BlockStart,
    BlockEnd,
    Name,
    String,
    Integer,
    Float,
    Operator,
    EndOfTemplate,
}

/// <summary>One lexed token: <see cref="Value"/> is the text, the name, the operator, or the decoded string literal.</summary>
internal sealed record JinjaToken(TokenKind Kind, string Value, SourcePosition Position)
{
    public bool Is(TokenKind kind, string value) => Kind == kind && Value == value;

    public bool IsName(string name) => Kind == TokenKind.Name && Value == name;

    public bool IsOperator(string op) => Kind == TokenKind.Operator && Value == op;

    public override string ToString() => Kind switch
    {
        TokenKind.EndOfTemplate => "end of template",
        TokenKind.BlockEnd => "'%}'",
        TokenKind.VariableEnd => "'}}'",
        TokenKind.String => $"string '{Value}'",
        _ => $"'{Value}'",
    };
}
