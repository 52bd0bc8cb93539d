namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// A template that cannot be parsed or rendered: the message names the template, line and column, as one line.
/// </summary>
public sealed class JinjaException : Exception
{
    public JinjaException(string message)
        : base(message)
    {
    }

    public JinjaException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public JinjaException()
    {
    }

    internal static JinjaException At(string templateName, SourcePosition position, string message) =>
        new($"{templateName}: line {position.Line}, column {position.Column}: {message}");
}

/// <summary>Where a token or node starts in the template source (1-based).</summary>
public readonly record struct SourcePosition(int Line, int Column);

/// <summary>An error raised while evaluating; the evaluator adds the template name and position of the node.</summary>
internal sealed class JinjaRuntimeError(string message) : Exception(message);

/// <summary>The template's own <c>raise_exception(msg)</c>: surfaces as HF's TemplateError does, with the message.</summary>
internal sealed class JinjaRaisedError(string message) : Exception(message);
