using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// How a model's modules compute with their parameters: every use of a parameter in forward goes through one of these
/// operations, and every unit's forward is bracketed by <see cref="EnterUnit"/>. This is the seam that replaces the
/// module and tensor hooks TorchSharp lacks: a training engine installs its own implementation on the model's
/// <see cref="ParameterSeam"/> to see gradients as autograd produces them (an identity autograd function around each
/// use), or to compute the operations itself with weights it gathers only while a unit runs (ZeRO-3). This base
/// implementation is plain libtorch.
/// </summary>
public class ParameterUse
{
    /// <summary>The plain implementation: each operation uses the parameter as it is.</summary>
    public static ParameterUse Direct { get; } = new();

    /// <summary>y = x W^T (+ b).</summary>
    public virtual Tensor Linear(Tensor input, Parameter weight, Parameter? bias) =>
        nn.functional.linear(input, Use(weight), bias is null ? null : Use(bias));

    /// <summary>Rows of <paramref name="table"/> [rows, width] selected by <paramref name="ids"/>: [.. ids.shape, width].</summary>
    public virtual Tensor Lookup(Tensor ids, Parameter table)
    {
        var rows = Use(table).index_select(0, ids.reshape(-1));
        return rows.view([.. ids.shape, rows.shape[1]]);
    }

    /// <summary><paramref name="input"/> scaled element-wise along its last dimension by <paramref name="weight"/>.</summary>
    public virtual Tensor Scale(Tensor input, Parameter weight) => Use(weight) * input;

    /// <summary>Marks the forward pass of unit <paramref name="unit"/> (see <see cref="ParameterUnit"/>) until disposed.</summary>
    public virtual IDisposable EnterUnit(int unit) => UnitScope.None;

    /// <summary>The tensor an operation computes with for <paramref name="parameter"/>.</summary>
    protected virtual Tensor Use(Parameter parameter) => parameter;

    private sealed class UnitScope : IDisposable
    {
        public static readonly UnitScope None = new();

        public void Dispose()
        {
        }
    }
}
