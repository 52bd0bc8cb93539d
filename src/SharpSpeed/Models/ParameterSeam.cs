namespace SharpSpeed.Models;

/// <summary>
/// The <see cref="ParameterUse"/> one model instance currently computes with; every module of the model holds the same
/// seam. Plain libtorch until a training engine installs its own, and again after the engine removes it.
/// </summary>
public sealed class ParameterSeam
{
    public ParameterUse Current { get; private set; } = ParameterUse.Direct;

    /// <summary>Routes the model's parameter uses through <paramref name="use"/>; one engine at a time.</summary>
    public void Install(ParameterUse use)
    {
        ArgumentNullException.ThrowIfNull(use);
        if (!ReferenceEquals(Current, ParameterUse.Direct))
        {
            throw new InvalidOperationException("the model's parameter seam is already taken by another engine: dispose that engine first");
        }
        Current = use;
    }

    /// <summary>Back to plain libtorch, if <paramref name="use"/> is the installed one.</summary>
    public void Remove(ParameterUse use)
    {
        if (ReferenceEquals(Current, use))
        {
            Current = ParameterUse.Direct;
        }
    }
}
