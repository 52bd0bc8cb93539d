using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Gradients;

/// <summary>
/// The gradient hook TorchSharp lacks: an identity autograd function wrapped around each use of a trained parameter
/// (by <see cref="HookedParameterUse"/>). Its backward receives the gradient of that use the moment autograd computes
/// it, in reverse layer order, and hands it to <see cref="GradientHooks"/>. It returns no gradient for the parameter
/// itself, so autograd never accumulates into a buffer that may be on the wire.
/// </summary>
internal sealed class GradientReadyHook : autograd.SingleTensorFunction<GradientReadyHook>
{
    private const string UseKey = "use";

    public override string Name => nameof(GradientReadyHook);

    public static Tensor Wrap(Tensor parameter, HookTarget target) => apply(parameter, target);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var target = (HookTarget)vars[1];
        ctx.save_data(UseKey, target);
        target.Hooks.UseStarted(target.Segment);
        return ((Tensor)vars[0]).alias();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var target = (HookTarget)ctx.get_data(UseKey);
        target.Hooks.GradientArrived(target.Segment, grad_output);
        return [null!, null!];
    }
}

/// <summary>Which parameter (segment of the flat layout) a hook belongs to, and who is told about its gradients.</summary>
internal sealed record HookTarget(GradientHooks Hooks, int Segment);
