using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Adapters;

/// <summary>
/// y = x W^T (+ b) with a frozen quantised W, dequantised for the forward product and again for backward's
/// dx = dy W: the function saves no weight (nor x: W is frozen, so no dW is computed), which is QLoRA's memory saving.
/// </summary>
internal sealed class QuantizedLinear : autograd.SingleTensorFunction<QuantizedLinear>
{
    public override string Name => nameof(QuantizedLinear);

    public static Tensor Apply(Tensor input, QuantizedWeight weight, Tensor? bias) =>
        bias is null ? apply(input, weight) : apply(input, weight, bias);

    public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
    {
        var input = (Tensor)vars[0];
        var weight = (QuantizedWeight)vars[1];
        ctx.save_data("weight", weight);
        ctx.save_data("arguments", vars.Length);
        using var full = weight.Dequantize();
        return nn.functional.linear(input, full, vars.Length > 2 ? (Tensor)vars[2] : null);
    }

    public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor grad_output)
    {
        var weight = (QuantizedWeight)ctx.get_data("weight");
        var result = new List<Tensor>(new Tensor[(int)ctx.get_data("arguments")]);
        try
        {
            using var full = weight.Dequantize();
            result[0] = grad_output.matmul(full);
        }
#pragma warning disable CA1031 // An exception escaping a custom backward aborts the process (TorchSharp): report it as NaN gradients.
        catch (Exception)
#pragma warning restore CA1031
        {
            using var nan = double.NaN.ToScalar();
            result[0] = full_like(grad_output.narrow(-1, 0, 1), nan).expand([.. grad_output.shape[..^1], weight.Shape[1]]).contiguous();
        }
        return result;
    }
}
