using TorchSharp;

namespace SharpSpeed.Models;

/// <summary>
/// Builds a model from a state dict with HF tensor names, taking each tensor out of the dictionary as it is used.
/// Shape mismatches and tensors the model does not use are errors naming the tensor.
/// </summary>
public sealed class StateDictWeights(IDictionary<string, torch.Tensor> tensors, string source, torch.ScalarType? dtype = null)
    : WeightSource
{
    public override torch.Tensor Create(string name, long[] shape, WeightKind kind)
    {
        if (!tensors.Remove(name, out var tensor))
        {
            throw new InvalidDataException($"{source}: tensor '{name}' is missing");
        }
        if (!tensor.shape.SequenceEqual(shape))
        {
            throw new InvalidDataException(
                $"{source}: tensor '{name}' has shape [{string.Join(", ", tensor.shape)}], the config needs [{string.Join(", ", shape)}]");
        }
        return dtype is { } target && tensor.dtype != target ? tensor.to(target) : tensor;
    }

    /// <summary>
    /// Fails when tensors are left over. A tied model's <c>lm_head.weight</c> and the rotary <c>inv_freq</c> buffers
    /// that old HF checkpoints carry are dropped, since they are copies of what the model derives itself.
    /// </summary>
    public void EnsureAllUsed(bool tiedEmbeddings)
    {
        foreach (var name in tensors.Keys.ToList())
        {
            if (name.EndsWith(".rotary_emb.inv_freq", StringComparison.Ordinal) || (tiedEmbeddings && name == "lm_head.weight"))
            {
                tensors.Remove(name, out var dropped);
                dropped?.Dispose();
            }
        }
        if (tensors.Count > 0)
        {
            throw new InvalidDataException(
                $"{source}: tensor '{tensors.Keys.First()}' is not part of the model ({tensors.Count} unexpected tensor(s))");
        }
    }
}
