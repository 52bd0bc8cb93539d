using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// HF's causal-LM loss: logits at position t predict the label at t + 1, labels of -100 are ignored, and the
/// cross-entropy is computed on fp32 logits.
/// </summary>
public static class CausalLmLoss
{
    public const long IgnoreIndex = -100;

    /// <summary>Mean over the non-ignored shifted labels, exactly HF's <c>LlamaForCausalLM</c> loss.</summary>
    public static Tensor Mean(Tensor logits, Tensor labels) =>
        CrossEntropy(logits, labels, nn.Reduction.Mean);

    /// <summary>
    /// The summed loss divided by <paramref name="tokenCount"/>: with the label-token count of the whole global
    /// batch (all micro-batches of all ranks), summing these gradients gives exactly the full-batch mean's gradient.
    /// </summary>
    public static Tensor SumOverTokens(Tensor logits, Tensor labels, long tokenCount)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(tokenCount);
        using var tokens = tokenCount.ToScalar();
        return CrossEntropy(logits, labels, nn.Reduction.Sum).div(tokens);
    }

    /// <summary>How many shifted labels count toward the loss (labels[:, 1:] != -100).</summary>
    public static long CountLabelTokens(Tensor labels)
    {
        using var ignored = IgnoreIndex.ToScalar();
        return labels.narrow(1, 1, labels.shape[1] - 1).ne(ignored).sum().item<long>();
    }

    private static Tensor CrossEntropy(Tensor logits, Tensor labels, nn.Reduction reduction)
    {
        if (logits.shape.Length != 3 || labels.shape.Length != 2
            || logits.shape[0] != labels.shape[0] || logits.shape[1] != labels.shape[1])
        {
            throw new ArgumentException(
                $"logits [{string.Join(", ", logits.shape)}] and labels [{string.Join(", ", labels.shape)}] must be [batch, seq, vocab] and [batch, seq]");
        }
        // The shifted fp32 copy of the logits is as large as the logits; a scope frees it right away.
        using var scope = NewDisposeScope();
        long length = logits.shape[1], vocab = logits.shape[2];
        var shiftedLogits = logits.narrow(1, 0, length - 1).to(ScalarType.Float32).reshape(-1, vocab);
        var shiftedLabels = labels.narrow(1, 1, length - 1).reshape(-1).to(logits.device);
        return scope.MoveToOuter(
            nn.functional.cross_entropy(shiftedLogits, shiftedLabels, ignore_index: IgnoreIndex, reduction: reduction));
    }
}
