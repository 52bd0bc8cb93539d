using TorchSharp;
using TorchSharp.Modules;

namespace SharpSpeed.Models;

internal static class ModelParameters
{
    /// <summary>
    /// Wraps a tensor as a parameter of <paramref name="module"/>. Parameters outlive any dispose scope that was
    /// open while the model was built, so they are detached from it.
    /// </summary>
    public static Parameter Register(torch.nn.Module module, string name, torch.Tensor tensor)
    {
        var parameter = new Parameter(tensor);
        parameter.DetachFromDisposeScope();
        module.register_parameter(name, parameter);
        return parameter;
    }
}
