using System.Runtime.CompilerServices;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// The seam through which modules read their parameters in forward. TorchSharp has no tensor gradient hooks, so a
/// training engine that wants to know when a parameter's gradient is ready (to start communication during backward)
/// attaches a wrapper here, typically an identity autograd function whose backward is the hook. Without a wrapper a
/// parameter is used as is.
/// </summary>
public static class ParameterUse
{
    private static readonly ConditionalWeakTable<Tensor, Func<Tensor, Tensor>> s_wrappers = new();

    /// <summary>The tensor a module computes with: the parameter itself, or what the attached wrapper makes of it.</summary>
    public static Tensor Of(Tensor parameter) =>
        s_wrappers.TryGetValue(parameter, out var wrap) ? wrap(parameter) : parameter;

    /// <summary>Routes every later use of <paramref name="parameter"/> through <paramref name="wrap"/>.</summary>
    public static void Attach(Tensor parameter, Func<Tensor, Tensor> wrap) => s_wrappers.AddOrUpdate(parameter, wrap);

    public static void Detach(Tensor parameter) => s_wrappers.Remove(parameter);
}
