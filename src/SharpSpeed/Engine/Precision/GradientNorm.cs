using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Precision;

/// <summary>
/// Global-norm clipping and overflow detection split into per-shard pieces: each rank computes the squared norm and
/// the overflow flag of the gradients it holds, the distributed layer sums / ORs them across ranks, and every rank
/// then applies the same clip coefficient (or skips the same step).
/// </summary>
public static class GradientNorm
{
    /// <summary>Elements converted to float64 at a time, to bound the temporary memory of the exact sum.</summary>
    private const long ChunkElements = 1L << 24;

    /// <summary>The sum of squares of a gradient shard, accumulated in float64 (any dtype in).</summary>
    public static double LocalSquaredNorm(Tensor gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var flat = gradients.reshape(-1);
        var total = 0.0;
        for (long start = 0; start < flat.shape[0]; start += ChunkElements)
        {
            var length = Math.Min(ChunkElements, flat.shape[0] - start);
            total += flat.narrow(0, start, length).to_type(ScalarType.Float64).pow_(2).sum().item<double>();
        }
        return total;
    }

    /// <summary>True when the shard holds an inf or NaN.</summary>
    public static bool LocalOverflow(Tensor gradients)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        using var scope = NewDisposeScope();
        return !gradients.isfinite().all().item<bool>();
    }

    /// <summary>
    /// torch.nn.utils.clip_grad_norm_'s factor: max_norm / (total_norm + 1e-6), clamped to at most 1.
    /// </summary>
    public static double ClipCoefficient(double totalNorm, double maxNorm)
    {
        if (!(maxNorm > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be > 0");
        }
        return Math.Min(1.0, maxNorm / (totalNorm + 1e-6));
    }

    /// <summary>Multiplies the shard by the clip coefficient (nothing to do when it is 1).</summary>
    public static void Clip(Tensor gradients, double coefficient)
    {
        ArgumentNullException.ThrowIfNull(gradients);
        if (coefficient < 1.0)
        {
            using var noGrad = no_grad();
            gradients.mul_(coefficient);
        }
    }
}
