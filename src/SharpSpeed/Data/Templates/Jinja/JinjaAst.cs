namespace SharpSpeed.Data.Templates.Jinja;

// The syntax tree. Every node knows where it starts, so render errors can name the line.

internal abstract record Node(SourcePosition Position);

internal abstract record Expr(SourcePosition Position) : Node(Position);

internal sealed record Literal(SourcePosition Position, object? Value) : Expr(Position);

internal sealed record NameRef(SourcePosition Position, string Name) : Expr(Position);

internal sealed record ListExpr(SourcePosition Position, IReadOnlyList<Expr> Items) : Expr(Position);

internal sealed record TupleExpr(SourcePosition Position, IReadOnlyList<Expr> Items) : Expr(Position);

internal sealed record DictExpr(SourcePosition Position, IReadOnlyList<(Expr Key, Expr Value)> Pairs) : Expr(Position);

internal sealed record AttributeExpr(SourcePosition Position, Expr Target, string Attribute) : Expr(Position);

internal sealed record SubscriptExpr(SourcePosition Position, Expr Target, Expr Index) : Expr(Position);

internal sealed record SliceExpr(SourcePosition Position, Expr? Start, Expr? Stop, Expr? Step) : Expr(Position);

internal sealed record CallExpr(SourcePosition Position, Expr Callee, Arguments Arguments) : Expr(Position);

internal sealed record Arguments(IReadOnlyList<Expr> Positional, IReadOnlyList<(string Name, Expr Value)> Keywords)
{
    public static Arguments None { get; } = new([], []);
}

/// <summary><c>*items</c> or <c>**mapping</c> in a call's arguments.</summary>
internal sealed record SpreadExpr(SourcePosition Position, Expr Value, bool Keywords) : Expr(Position);

/// <summary><c>value | name(args)</c>.</summary>
internal sealed record FilterExpr(SourcePosition Position, Expr Value, string Name, Arguments Arguments) : Expr(Position);

/// <summary><c>value is [not] name(args)</c>.</summary>
internal sealed record TestExpr(SourcePosition Position, Expr Value, string Name, Arguments Arguments, bool Negated) : Expr(Position);

internal sealed record UnaryExpr(SourcePosition Position, string Operator, Expr Operand) : Expr(Position);

/// <summary>Arithmetic, comparison, <c>~</c>, <c>in</c>/<c>not in</c>; <c>and</c>/<c>or</c> short-circuit.</summary>
internal sealed record BinaryExpr(SourcePosition Position, string Operator, Expr Left, Expr Right) : Expr(Position);

internal sealed record ConditionalExpr(SourcePosition Position, Expr Condition, Expr WhenTrue, Expr? WhenFalse) : Expr(Position);

internal abstract record Stmt(SourcePosition Position) : Node(Position);

internal sealed record TextStmt(SourcePosition Position, string Text) : Stmt(Position);

internal sealed record OutputStmt(SourcePosition Position, Expr Value) : Stmt(Position);

internal sealed record IfStmt(SourcePosition Position, IReadOnlyList<(Expr Condition, IReadOnlyList<Stmt> Body)> Branches, IReadOnlyList<Stmt> Else)
    : Stmt(Position);

/// <summary><c>for targets in iterable [if filter]</c> … <c>else</c> … <c>endfor</c>.</summary>
internal sealed record ForStmt(
    SourcePosition Position,
    IReadOnlyList<string> Targets,
    Expr Iterable,
    Expr? Filter,
    IReadOnlyList<Stmt> Body,
    IReadOnlyList<Stmt> Else) : Stmt(Position);

/// <summary><c>set a = …</c>, <c>set a, b = …</c>, <c>set ns.attr = …</c>, or the block form (Value null, Body set).</summary>
internal sealed record SetStmt(SourcePosition Position, Expr Target, Expr? Value, IReadOnlyList<Stmt> Body) : Stmt(Position);

internal sealed record MacroParameter(string Name, Expr? Default);

internal sealed record MacroStmt(SourcePosition Position, string Name, IReadOnlyList<MacroParameter> Parameters, IReadOnlyList<Stmt> Body)
    : Stmt(Position);

/// <summary><c>call [(params)] macro(args)</c>: the body becomes <c>caller()</c> inside the macro.</summary>
internal sealed record CallBlockStmt(SourcePosition Position, CallExpr Call, IReadOnlyList<MacroParameter> CallerParameters, IReadOnlyList<Stmt> Body)
    : Stmt(Position);

/// <summary><c>filter name(args) | …</c>: the body's output goes through the filters (Value is a placeholder).</summary>
internal sealed record FilterBlockStmt(SourcePosition Position, Expr Filters, IReadOnlyList<Stmt> Body) : Stmt(Position);

/// <summary><c>generation</c> … <c>endgeneration</c>: HF's marker of assistant-generated text.</summary>
internal sealed record GenerationStmt(SourcePosition Position, IReadOnlyList<Stmt> Body) : Stmt(Position);

internal sealed record BreakStmt(SourcePosition Position) : Stmt(Position);

internal sealed record ContinueStmt(SourcePosition Position) : Stmt(Position);

/// <summary><c>do expr</c>: evaluate for its effect.</summary>
internal sealed record DoStmt(SourcePosition Position, Expr Value) : Stmt(Position);
