namespace SharpSpeed.Data.Templates.Jinja;

/// <summary>
/// Variables visible at one point of the template. A for-loop iteration, a macro call and a call block each get
/// a child scope, so <c>set</c> inside them does not leak out (which is why templates use namespace()).
/// </summary>
internal sealed class JinjaScope(JinjaScope? parent)
{
    private readonly Dictionary<string, object?> _variables = [];

    public bool TryGet(string name, out object? value)
    {
        for (var scope = this; scope is not null; scope = scope.Parent)
        {
            if (scope._variables.TryGetValue(name, out value))
            {
                return true;
            }
        }
        value = null;
        return false;
    }

    public JinjaScope? Parent { get; } = parent;

    public void Set(string name, object? value) => _variables[name] = value;

    public JinjaScope Child() => new(this);
}
