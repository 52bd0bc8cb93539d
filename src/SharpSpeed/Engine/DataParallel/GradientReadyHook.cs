using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.DataParallel;

/// <summary>
/// The gradient hook TorchSharp lacks: an identity autograd function wrapped around each use of a parameter (through
/// <see cref="Models.ParameterUse"/>). Its backward receives the gradient of that use the moment autograd computes it,
/// in reverse layer order, and hands it to the <see cref="OverlappedGradients"/> tracker, which accumulates it into the
/// flat gradient buffer and starts a bucket's all-reduce once the bucket is complete. It returns no gradient for the
/// parameter itself, so autograd's own accumulation never touches a buffer that may be on the wire.
/// </summary>
internal sealed class GradientReadyHook : autograd.SingleTensorFunction<GradientReadyHook>
{
    private const string UseKey = "use";

    public override string Name => nameof(GradientReadyHook);

    public static Tensor Wrap(Tensor parameter, ParameterHookTarget target) => apply(parameter, target);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var target = (ParameterHookTarget)vars[1];
        ctx.save_data(UseKey, target);
        target.Tracker.UseStarted(target.SegmentIndex);
        return ((Tensor)vars[0]).alias();
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var target = (ParameterHookTarget)ctx.get_data(UseKey);
        target.Tracker.GradientArrived(target.SegmentIndex, grad_output);
        return [null!, null!];
    }
}

/// <summary>Which parameter a hook belongs to, and who is told about its gradients.</summary>
internal sealed record ParameterHookTarget(OverlappedGradients Tracker, int SegmentIndex);
