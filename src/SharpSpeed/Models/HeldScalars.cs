using TorchSharp;

namespace SharpSpeed.Models;

/// <summary>
/// Scalars that live as long as the process. TorchSharp's overloads without an alpha or a step (<c>a + b</c>,
/// <c>add_(t)</c>, <c>add(s)</c>, <c>arange(start, stop)</c>) pass libtorch a Scalar 1 that only the garbage collector
/// owns; a collection on another thread during the call frees it while libtorch reads it (the random "Expected false to
/// be true ... toFloat" failure). Passing <see cref="One"/> explicitly closes that window; HiddenScalarCallTests proves
/// from the compiled code that no such overload is called.
/// </summary>
public static class HeldScalars
{
    /// <summary>The 1 of <c>a.add(b, One)</c> (a + b) and <c>arange(start, stop, One)</c>.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
