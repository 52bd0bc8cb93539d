using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Optim;

/// <summary>
/// AdamW for optimizer state offloaded to host memory, as DeepSpeed's CPU Adam does it: one fused pass per element
/// (decay, both moments, bias-corrected update) instead of one pass over memory per tensor op, SIMD-vectorised and split
/// across threads. The arithmetic follows torch.optim.AdamW's single-tensor update in fp32 (same formula and operation
/// order as <see cref="FlatAdamW"/>), so the two agree to rounding.
/// </summary>
public sealed unsafe class CpuAdamW : IFlatOptimizer
{
    /// <summary>Elements one thread updates at a time: large enough to amortise scheduling, small enough to balance.</summary>
    private const long WorkItem = 1 << 16;

    private readonly (long Start, long Length, bool Decays)[] _runs;
    private readonly int _threads;

    /// <param name="threads">Threads for the update; libtorch's thread count by default.</param>
    public CpuAdamW(OptimizerRange range, AdamWOptions options, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Range = range;
        Options = options;
        ExpAvg = zeros(range.Length, dtype: ScalarType.Float32).DetachFromDisposeScope();
        ExpAvgSq = zeros(range.Length, dtype: ScalarType.Float32).DetachFromDisposeScope();
        _threads = Math.Max(1, threads ?? torch.get_num_threads());
        _runs = [.. WorkItems(range, options.WeightDecay != 0)];
    }

    public OptimizerRange Range { get; }

    public AdamWOptions Options { get; }

    public long StepCount { get; private set; }

    public Tensor ExpAvg { get; }

    public Tensor ExpAvgSq { get; }

    public long StateBytes => (ExpAvg.NumberOfElements + ExpAvgSq.NumberOfElements) * sizeof(float);

    public void Update(Tensor parameters, Tensor gradients, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        CheckOperand(parameters, nameof(parameters));
        CheckOperand(gradients, nameof(gradients));
        if (learningRate < 0 || !double.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and >= 0");
        }
        StepCount++;
        var (beta1, beta2, eps, weightDecay, decoupled, biasCorrection) = Options;
        var biasCorrection1 = biasCorrection ? 1 - Math.Pow(beta1, StepCount) : 1.0;
        var biasCorrection2 = biasCorrection ? 1 - Math.Pow(beta2, StepCount) : 1.0;
        var constants = new Constants(
            DecayFactor: (float)(1 - learningRate * weightDecay),
            L2: (float)weightDecay,
            Decoupled: decoupled,
            OneMinusBeta1: (float)(1 - beta1),
            Beta2: (float)beta2,
            OneMinusBeta2: (float)(1 - beta2),
            SqrtBiasCorrection2: (float)Math.Sqrt(biasCorrection2),
            Epsilon: (float)eps,
            StepSize: (float)-(learningRate / biasCorrection1));
        var p = (float*)Pointer(parameters);
        var g = (float*)Pointer(gradients);
        var m = (float*)Pointer(ExpAvg);
        var v = (float*)Pointer(ExpAvgSq);
        Parallel.For(0, _runs.Length, new ParallelOptions { MaxDegreeOfParallelism = _threads }, i =>
        {
            var (start, length, decays) = _runs[i];
            Update(p + start, g + start, m + start, v + start, length, decays, constants);
        });
    }

    public void LoadState(long stepCount, Tensor expAvg, Tensor expAvgSq)
    {
        ArgumentNullException.ThrowIfNull(expAvg);
        ArgumentNullException.ThrowIfNull(expAvgSq);
        ArgumentOutOfRangeException.ThrowIfNegative(stepCount);
        CheckOperand(expAvg, nameof(expAvg));
        CheckOperand(expAvgSq, nameof(expAvgSq));
        using var noGrad = no_grad();
        ExpAvg.copy_(expAvg);
        ExpAvgSq.copy_(expAvgSq);
        StepCount = stepCount;
    }

    public void Dispose()
    {
        ExpAvg.Dispose();
        ExpAvgSq.Dispose();
    }

    private static void Update(float* p, float* g, float* m, float* v, long length, bool decays, Constants c)
    {
        var width = Vector<float>.Count;
        var decayFactor = new Vector<float>(decays && c.Decoupled ? c.DecayFactor : 1f);
        var l2 = new Vector<float>(decays && !c.Decoupled ? c.L2 : 0f);
        var oneMinusBeta1 = new Vector<float>(c.OneMinusBeta1);
        var beta2 = new Vector<float>(c.Beta2);
        var oneMinusBeta2 = new Vector<float>(c.OneMinusBeta2);
        var sqrtBc2 = new Vector<float>(c.SqrtBiasCorrection2);
        var epsilon = new Vector<float>(c.Epsilon);
        var stepSize = new Vector<float>(c.StepSize);
        long i = 0;
        for (; i + width <= length; i += width)
        {
            var param = Vector.Load(p + i) * decayFactor;
            var grad = Vector.Load(g + i) + l2 * param;
            var mean = Vector.Load(m + i);
            mean += oneMinusBeta1 * (grad - mean);
            var variance = Vector.Load(v + i) * beta2 + oneMinusBeta2 * grad * grad;
            var denominator = Vector.SquareRoot(variance) / sqrtBc2 + epsilon;
            (param + stepSize * (mean / denominator)).Store(p + i);
            mean.Store(m + i);
            variance.Store(v + i);
        }
        for (; i < length; i++)
        {
            var param = p[i] * (decays && c.Decoupled ? c.DecayFactor : 1f);
            var grad = g[i] + (decays && !c.Decoupled ? c.L2 : 0f) * param;
            var mean = m[i] + c.OneMinusBeta1 * (grad - m[i]);
            var variance = v[i] * c.Beta2 + c.OneMinusBeta2 * grad * grad;
            var denominator = MathF.Sqrt(variance) / c.SqrtBiasCorrection2 + c.Epsilon;
            p[i] = param + c.StepSize * (mean / denominator);
            m[i] = mean;
            v[i] = variance;
        }
    }

    /// <summary>Runs of equal decay, cut into work items (offsets keep the SIMD loads of one item inside its run).</summary>
    private static IEnumerable<(long, long, bool)> WorkItems(OptimizerRange range, bool weightDecay)
    {
        var decayed = range.Decayed.Where(r => !r.IsEmpty).OrderBy(r => r.Start).ToList();
        long position = 0;
        foreach (var run in decayed)
        {
            foreach (var item in Split(position, run.Start - position, false))
            {
                yield return item;
            }
            foreach (var item in Split(run.Start, run.Length, weightDecay))
            {
                yield return item;
            }
            position = run.End;
        }
        foreach (var item in Split(position, range.Length - position, false))
        {
            yield return item;
        }
    }

    private static IEnumerable<(long, long, bool)> Split(long start, long length, bool decays)
    {
        for (var offset = 0L; offset < length; offset += WorkItem)
        {
            yield return (start + offset, Math.Min(WorkItem, length - offset), decays);
        }
    }

    private static IntPtr Pointer(Tensor tensor)
    {
        fixed (byte* data = tensor.bytes)
        {
            // Native memory owned by libtorch: it does not move, so the address outlives the fixed block.
            return (IntPtr)data;
        }
    }

    private void CheckOperand(Tensor operand, string name)
    {
        if (operand.dtype != ScalarType.Float32 || operand.Dimensions != 1 || operand.shape[0] != Range.Length
            || operand.device_type != DeviceType.CPU || !operand.is_contiguous())
        {
            throw new ArgumentException(
                $"{name} must be a contiguous 1-D float32 host tensor of {Range.Length} elements (the optimizer's range), " +
                $"not {operand.dtype} [{string.Join(", ", operand.shape)}] on {operand.device}", name);
        }
    }

    private readonly record struct Constants(
        float DecayFactor, float L2, bool Decoupled, float OneMinusBeta1, float Beta2, float OneMinusBeta2,
        float SqrtBiasCorrection2, float Epsilon, float StepSize);
}
