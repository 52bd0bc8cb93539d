using System.Diagnostics;
using SharpSpeed.Comm;
using SharpSpeed.Data.Cache;
using SharpSpeed.Models;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>
/// Loss on the validation split: every example once (rank r takes examples r, r + world, ...), token losses
/// summed on each rank and all-reduced, so the result is the mean loss per label token of the whole split.
/// </summary>
internal static class Evaluator
{
    /// <param name="lockstep">
    /// Every rank runs the same number of forward passes (ZeRO-3, whose forward gathers parameters collectively): a rank
    /// out of examples runs its first batch again and discards the result.
    /// </param>
    public static EvalResult Run(LlamaForCausalLM model, TrainingData data, TokenCacheFile split, int batchSize, ProcessGroup group, bool lockstep)
    {
        var clock = Stopwatch.StartNew();
        var mine = Enumerable.Range(0, split.Count).Where(i => i % group.WorldSize == group.Rank).Chunk(batchSize).ToList();
        var mostPerRank = (split.Count + group.WorldSize - 1) / group.WorldSize;
        var rounds = lockstep ? (mostPerRank + batchSize - 1) / batchSize : mine.Count;
        double lossSum = 0;
        long tokens = 0;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            for (var round = 0; round < rounds; round++)
            {
                var counted = round < mine.Count;
                var chunk = counted ? mine[round] : mine.Count > 0 ? mine[0] : [0];
                using var scope = NewDisposeScope();
                using var batch = data.Collate(split, chunk);
                var count = CausalLmLoss.CountLabelTokens(batch.Labels);
                if (count == 0 && !lockstep)
                {
                    continue;
                }
                var logits = ModelForward.Logits(model, batch, packed: false);
                if (counted && count > 0)
                {
                    lossSum += CausalLmLoss.SumOverTokens(logits, batch.Labels, 1).item<float>();
                    tokens += count;
                }
            }
        }
        finally
        {
            model.train();
        }
        using var totals = tensor(new[] { lossSum, tokens }, dtype: ScalarType.Float32);
        group.AllReduce(totals, ReduceOp.Sum);
        var totalLoss = totals[0].item<float>();
        var totalTokens = totals[1].item<float>();
        return new EvalResult(totalTokens > 0 ? totalLoss / totalTokens : double.NaN, (long)totalTokens, clock.Elapsed);
    }
}

internal sealed record EvalResult(double Loss, long Tokens, TimeSpan Elapsed)
{
    public double Perplexity => Math.Exp(Loss);
}
