using SharpSpeed.Engine;
using SharpSpeed.Models;
using static TorchSharp.torch;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// The weights a model folder is written from. Under ZeRO-3 the model's trained parameters hold no values (each rank
/// keeps a partition in the engine), so they are consolidated from every rank first: collective, every rank calls
/// <see cref="Collect"/>. Parameters the engine does not train (a frozen base) come from the model as they are.
/// </summary>
internal sealed class ModelWeights : IDisposable
{
    private readonly IReadOnlyDictionary<string, Tensor>? _consolidated;

    private ModelWeights(IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, Tensor>? consolidated)
    {
        Tensors = tensors;
        _consolidated = consolidated;
    }

    public IReadOnlyDictionary<string, Tensor> Tensors { get; }

    public static ModelWeights Collect(LlamaForCausalLM model, TrainingEngine engine)
    {
        var own = model.state_dict();
        if (!engine.PartitionsParameters)
        {
            return new ModelWeights(own, null);
        }
        var consolidated = engine.ConsolidatedWeights(model.parameters().First().dtype);
        var merged = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (name, tensor) in own)
        {
            merged[name] = consolidated.TryGetValue(name, out var value) ? value : tensor;
        }
        return new ModelWeights(merged, consolidated);
    }

    public void Dispose()
    {
        foreach (var tensor in _consolidated?.Values ?? [])
        {
            tensor.Dispose();
        }
    }
}
