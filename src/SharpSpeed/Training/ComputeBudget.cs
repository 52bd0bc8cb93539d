using System.Diagnostics;
using SharpSpeed.Comm;
using SharpSpeed.Models;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>
/// FLOP counts for MFU. Model FLOPs per trained token follow PaLM (appendix B): 6 x N for the matmuls of forward
/// and backward, N excluding the input embedding (a lookup, not a matmul), plus 12 x layers x hidden x seq for
/// attention's scores and weighted values. The peak is measured, not assumed: the fp32 matmul rate this process
/// reaches with its threads, which on a CPU is the honest ceiling.
/// </summary>
public static class ComputeBudget
{
    public static double FlopsPerToken(ModelConfig config, double sequenceLength)
    {
        ArgumentNullException.ThrowIfNull(config);
        var matmulParameters = config.ParameterCount() - (long)config.VocabSize * config.HiddenSize;
        return 6.0 * matmulParameters + 12.0 * config.NumHiddenLayers * config.HiddenSize * sequenceLength;
    }

    /// <summary>FLOP/s of repeated square fp32 matmuls on this process's threads (best of several timed runs).</summary>
    public static double MeasureMatmulPeak(int size = 512, int repeats = 8)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        // A private generator: measuring must not advance the global one, which a resumed run has just restored
        // (dropout, e.g. LoRA's, draws from it).
        using var generator = new Generator(0);
        var a = randn(size, size, generator: generator);
        var b = randn(size, size, generator: generator);
        _ = a.matmul(b);
        var best = double.MaxValue;
        for (var trial = 0; trial < 3; trial++)
        {
            var clock = Stopwatch.StartNew();
            for (var i = 0; i < repeats; i++)
            {
                using var product = a.matmul(b);
            }
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return 2.0 * size * size * size * repeats / best;
    }

    /// <summary>The fp32 matmul rate all ranks reach together (summed), measured at once so they share the cores as in training; collective.</summary>
    public static double MeasureGroupPeak(ProcessGroup group)
    {
        ArgumentNullException.ThrowIfNull(group);
        group.Barrier();
        using var rate = tensor(new[] { (float)MeasureMatmulPeak() });
        group.AllReduce(rate, ReduceOp.Sum);
        return rate.item<float>();
    }
}
