using SharpSpeed.Engine.Gradients;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Zero;

/// <summary>
/// What a ZeRO-3 op needs: where its weights come from (gathered on demand, in forward and again in backward) and where
/// their gradients go. <see cref="Bias"/> is -1 for a linear without bias.
/// </summary>
internal sealed record GatheredCall(UnitGatherer Gatherer, GradientHooks Hooks, int Weight, int Bias = -1);

/// <summary>
/// y = x W^T (+ b) with a ZeRO-3 weight. Saves only x, never the gathered weight (so releasing the unit frees it), takes
/// W again in backward, and hands dW (and db) to the gradient hooks instead of autograd. The parameters themselves are
/// passed as (empty) tensor inputs only so that autograd records the node even when x needs no gradient.
/// </summary>
internal sealed class GatheredLinear : autograd.SingleTensorFunction<GatheredLinear>
{
    public override string Name => nameof(GatheredLinear);

    public static Tensor Apply(Tensor input, Tensor weight, Tensor? bias, GatheredCall call) =>
        bias is null ? apply(input, weight, call) : apply(input, weight, bias, call);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var call = (GatheredCall)vars[^1];
        ctx.save_for_backward([input]);
        ctx.save_data("call", call);
        ctx.save_data("arguments", vars.Length);
        var weight = call.Gatherer.Weight(call.Weight);
        return nn.functional.linear(input, weight, call.Bias >= 0 ? call.Gatherer.Weight(call.Bias) : null);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (GatheredCall)ctx.get_data("call");
        var arguments = (int)ctx.get_data("arguments");
        var input = ctx.get_saved_variables()[0];
        var result = new List<Tensor>(new Tensor[arguments]);
        try
        {
            var weight = call.Gatherer.Weight(call.Weight);
            long outFeatures = weight.shape[0], inFeatures = weight.shape[1];
            // The input's gradient first: reporting the last weight gradient may release the unit (and the weight).
            result[0] = grad_output.matmul(weight);
            using var output2d = grad_output.reshape(-1, outFeatures);
            using var input2d = input.reshape(-1, inFeatures);
            using (var weightGradient = output2d.t().matmul(input2d))
            {
                call.Hooks.GradientArrived(call.Weight, weightGradient);
            }
            if (call.Bias >= 0)
            {
                using var biasGradient = output2d.sum(0L);
                call.Hooks.GradientArrived(call.Bias, biasGradient);
            }
        }
#pragma warning disable CA1031 // An exception escaping a custom backward aborts the process; the hooks rethrow it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            call.Hooks.Fail(e);
            result[0] = zeros_like(input);
        }
        return result;
    }
}

/// <summary>Rows of a ZeRO-3 table selected by ids; backward scatters the rows' gradients into a table-sized gradient.</summary>
internal sealed class GatheredLookup : autograd.SingleTensorFunction<GatheredLookup>
{
    public override string Name => nameof(GatheredLookup);

    public static Tensor Apply(Tensor ids, Tensor table, GatheredCall call) => apply(ids, table, call);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var ids = (Tensor)vars[0];
        var call = (GatheredCall)vars[2];
        ctx.save_for_backward([ids]);
        ctx.save_data("call", call);
        var rows = call.Gatherer.Weight(call.Weight).index_select(0, ids.reshape(-1));
        return rows.view([.. ids.shape, rows.shape[1]]);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (GatheredCall)ctx.get_data("call");
        var ids = ctx.get_saved_variables()[0];
        try
        {
            var table = call.Gatherer.Weight(call.Weight);
            using var rows = grad_output.reshape(-1, table.shape[1]);
            using var one = 1.ToScalar();
            using var gradient = zeros_like(table).index_add_(0, ids.reshape(-1), rows, one);
            call.Hooks.GradientArrived(call.Weight, gradient);
        }
#pragma warning disable CA1031 // An exception escaping a custom backward aborts the process; the hooks rethrow it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            call.Hooks.Fail(e);
        }
        return [null!, null!, null!];
    }
}

/// <summary>x scaled along its last dimension by a ZeRO-3 weight (RMSNorm's weight).</summary>
internal sealed class GatheredScale : autograd.SingleTensorFunction<GatheredScale>
{
    public override string Name => nameof(GatheredScale);

    public static Tensor Apply(Tensor input, Tensor weight, GatheredCall call) => apply(input, weight, call);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var call = (GatheredCall)vars[2];
        ctx.save_for_backward([input]);
        ctx.save_data("call", call);
        return call.Gatherer.Weight(call.Weight) * input;
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var call = (GatheredCall)ctx.get_data("call");
        var input = ctx.get_saved_variables()[0];
        try
        {
            var weight = call.Gatherer.Weight(call.Weight);
            var inputGradient = grad_output * weight;
            using (var product = grad_output * input)
            using (var gradient = product.reshape(-1, weight.shape[0]).sum(0L))
            {
                call.Hooks.GradientArrived(call.Weight, gradient);
            }
            return [inputGradient, null!, null!];
        }
#pragma warning disable CA1031 // An exception escaping a custom backward aborts the process; the hooks rethrow it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            call.Hooks.Fail(e);
            return [zeros_like(input), null!, null!];
        }
    }
}
