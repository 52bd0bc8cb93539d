using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>Picks the next token from one row of logits (HF's order: temperature, top-k, top-p, sample).</summary>
public sealed class TokenSampler(GenerationOptions options) : IDisposable
{
    private readonly Generator _generator = new((ulong)options.Seed);

    /// <param name="logits">[vocab] logits of the last position.</param>
    public int Next(Tensor logits)
    {
        using var scope = NewDisposeScope();
        if (options.Temperature == 0)
        {
            return (int)logits.argmax().item<long>();
        }
        using var temperature = options.Temperature.ToScalar();
        using var excluded = double.NegativeInfinity.ToScalar();
        var scores = logits.to(ScalarType.Float32).div(temperature);
        if (options.TopK > 0 && options.TopK < scores.shape[0])
        {
            var kth = scores.topk(options.TopK).values[-1];
            scores = scores.masked_fill(scores < kth, excluded);
        }
        if (options.TopP < 1)
        {
            var (sorted, order) = scores.sort(descending: true);
            var probabilities = sorted.softmax(-1);
            // Keep a token while the mass of strictly better tokens is below top_p: the smallest set reaching it.
            var massBefore = probabilities.cumsum(-1) - probabilities;
            using var topP = options.TopP.ToScalar();
            var removeSorted = massBefore.ge(topP);
            var remove = zeros_like(removeSorted).scatter(0, order, removeSorted);
            scores = scores.masked_fill(remove, excluded);
        }
        var chosen = multinomial(scores.softmax(-1), 1, generator: _generator);
        return (int)chosen.item<long>();
    }

    public void Dispose() => _generator.Dispose();
}
