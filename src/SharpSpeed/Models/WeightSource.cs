using TorchSharp;

namespace SharpSpeed.Models;

/// <summary>What a parameter is, which decides how HF initialises it.</summary>
public enum WeightKind
{
    Linear,
    Embedding,
    Norm,
    Bias,
}

/// <summary>
/// Supplies the tensor of each parameter while a model is being built, by its HF name. Building from a loaded
/// state dict hands the loaded tensors straight to the model (no second copy of the weights); building for
/// training from scratch draws HF's initial values.
/// </summary>
public abstract class WeightSource
{
    public abstract torch.Tensor Create(string name, long[] shape, WeightKind kind);
}
