using System.Diagnostics;
using SharpSpeed.Comm;
using SharpSpeed.Data.Batching;
using SharpSpeed.Engine;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>
/// One optimizer step over this rank's micro-batches. The loss of every micro-batch is its summed token loss
/// divided by the label tokens of the whole global batch (all micro-batches of all ranks), times the world size
/// because the engine averages gradients over ranks as DeepSpeed does: so N micro-batches on M ranks give
/// exactly the gradient of one batch of all their tokens.
/// </summary>
internal sealed class OptimizerStep(LlamaForCausalLM model, TrainingEngine engine, ProcessGroup group, TrainingData data)
{
    public StepOutcome Run(IReadOnlyList<int[]> microBatches)
    {
        // Every tensor made during the step is freed when it ends, not whenever the GC finalizes it (native
        // memory the GC cannot see would otherwise pile up by gigabytes).
        using var stepScope = NewDisposeScope();
        var batches = microBatches.Select(indices => data.Collate(data.Train, indices)).ToList();
        try
        {
            long localLabels = batches.Sum(b => CausalLmLoss.CountLabelTokens(b.Labels));
            using var labelCount = tensor(new[] { localLabels }, dtype: ScalarType.Int64);
            group.AllReduce(labelCount, ReduceOp.Sum);
            var globalLabels = Math.Max(1, labelCount.item<long>());

            double forwardMs = 0, backwardMs = 0, localLossSum = 0;
            long realTokens = 0, samples = 0;
            var clock = Stopwatch.StartNew();
            foreach (var batch in batches)
            {
                using var scope = NewDisposeScope();
                clock.Restart();
                var logits = ModelForward.Logits(model, batch, packed: batch.Samples > batch.Rows);
                using var worldSize = group.WorldSize.ToScalar();
                var loss = CausalLmLoss.SumOverTokens(logits, batch.Labels, globalLabels).mul(worldSize);
                localLossSum += loss.item<float>() * globalLabels / group.WorldSize;
                forwardMs += clock.Elapsed.TotalMilliseconds;
                clock.Restart();
                engine.Backward(loss);
                backwardMs += clock.Elapsed.TotalMilliseconds;
                realTokens += batch.RealTokens;
                samples += batch.Samples;
            }
            clock.Restart();
            var result = engine.Step();
            var stepMs = clock.Elapsed.TotalMilliseconds;

            // fp32 is what the collectives reduce; these are logging sums, where 1e-7 relative is plenty.
            using var totals = tensor(new[] { localLossSum, realTokens, samples }, dtype: ScalarType.Float32);
            group.AllReduce(totals, ReduceOp.Sum);
            var sums = totals.data<float>().ToArray();
            return new StepOutcome(result, sums[0] / globalLabels, globalLabels, (long)sums[1], (long)sums[2],
                forwardMs, backwardMs, stepMs);
        }
        finally
        {
            foreach (var batch in batches)
            {
                batch.Dispose();
            }
        }
    }
}

/// <summary>What a step did, summed over ranks: mean loss per label token, label and input tokens, and this rank's time split.</summary>
internal sealed record StepOutcome(
    StepResult Engine, double Loss, long LabelTokens, long InputTokens, long Samples,
    double ForwardMs, double BackwardMs, double OptimizerMs);
