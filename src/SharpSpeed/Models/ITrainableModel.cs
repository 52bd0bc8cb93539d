using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>What a training engine needs of a model: its trainable parameters by unit, its seam, and its backward.</summary>
public interface ITrainableModel
{
    /// <summary>The seam through which the model's modules use their parameters.</summary>
    ParameterSeam Seam { get; }

    /// <summary>The parameters that require grad, by unit in forward order.</summary>
    IReadOnlyList<ParameterUnit> ParameterUnits();

    /// <summary>Back-propagates <paramref name="loss"/>, rethrowing failures that happened inside custom backward functions.</summary>
    void Backward(Tensor loss);
}
