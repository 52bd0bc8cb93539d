using TorchSharp;

namespace SharpSpeed.Models;

/// <summary>
/// HF's <c>_init_weights</c> for LLaMA-family models: linear and embedding weights from normal(0, initializer_range),
/// norm weights one, biases zero. Values come from a seeded generator, so the same seed gives the same model.
/// </summary>
public sealed class RandomWeights(double initializerRange, long seed, torch.ScalarType dtype = torch.ScalarType.Float32)
    : WeightSource, IDisposable
{
    private readonly torch.Generator _generator = new((ulong)seed);

    public override torch.Tensor Create(string name, long[] shape, WeightKind kind) => kind switch
    {
        WeightKind.Norm => torch.ones(shape, dtype),
        WeightKind.Bias => torch.zeros(shape, dtype),
        // Drawn in fp32 and then cast, so a bf16 model starts from the rounded fp32 draw.
        _ => torch.empty(shape, torch.ScalarType.Float32).normal_(0, initializerRange, _generator).to(dtype),
    };

    public void Dispose() => _generator.Dispose();
}
