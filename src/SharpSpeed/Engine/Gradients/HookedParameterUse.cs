using SharpSpeed.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Gradients;

/// <summary>The engine's <see cref="ParameterUse"/> at stages 0-2: while grad is enabled, each use of a trained parameter passes through a <see cref="GradientReadyHook"/>.</summary>
internal sealed class HookedParameterUse(IReadOnlyDictionary<Tensor, HookTarget> targets) : ParameterUse
{
    protected override Tensor Use(Parameter parameter) =>
        is_grad_enabled() && targets.TryGetValue(parameter, out var target) ? GradientReadyHook.Wrap(parameter, target) : parameter;
}
