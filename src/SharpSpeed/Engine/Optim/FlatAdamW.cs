using SharpSpeed.Engine.Flat;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Optim;

/// <summary>
/// torch.optim.AdamW's update (decoupled decay, bias correction, eps added after the square root) over one range of a
/// flat fp32 buffer, in a handful of whole-range tensor ops instead of a loop over parameters. The range is the whole
/// model on one process, or this rank's partition under ZeRO; the moments exist only for that range.
/// A per-element mask applies weight decay only to the parameters the decay rule selects.
/// </summary>
public sealed class FlatAdamW : IDisposable
{
    private readonly Tensor _decayMask;
    private readonly bool _anyDecay;

    /// <param name="decays">Whether a parameter (by name) gets weight decay, e.g. <see cref="WeightDecayRule.HuggingFaceDecays"/>.</param>
    public FlatAdamW(FlatLayout layout, PartitionRange range, AdamWOptions options, Func<string, bool> decays, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(decays);
        options.Validate();
        if (range.Start < 0 || range.End > layout.TotalElements)
        {
            throw new ArgumentOutOfRangeException(nameof(range), $"range [{range.Start}, {range.End}) is outside the layout of {layout.TotalElements}");
        }
        Range = range;
        Options = options;
        ExpAvg = zeros(range.Length, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        ExpAvgSq = zeros(range.Length, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        _decayMask = zeros(range.Length, dtype: ScalarType.Bool, device: device).DetachFromDisposeScope();
        foreach (var (segment, overlap) in layout.SegmentsIn(range))
        {
            if (decays(segment.Name))
            {
                using var slice = _decayMask.narrow(0, overlap.Start - range.Start, overlap.Length);
                slice.fill_(true);
                DecayedElements += overlap.Length;
            }
        }
        _anyDecay = DecayedElements > 0 && options.WeightDecay != 0;
    }

    public PartitionRange Range { get; }

    public AdamWOptions Options { get; }

    /// <summary>Optimizer steps applied so far (torch's per-parameter "step", shared by the whole range).</summary>
    public long StepCount { get; private set; }

    /// <summary>First moment (exp_avg) of the range, fp32.</summary>
    public Tensor ExpAvg { get; }

    /// <summary>Second moment (exp_avg_sq) of the range, fp32.</summary>
    public Tensor ExpAvgSq { get; }

    public long DecayedElements { get; }

    /// <summary>Bytes of optimizer state this rank holds (the two moments; the ZeRO paper's K=8 of K=12).</summary>
    public long StateBytes => (ExpAvg.NumberOfElements + ExpAvgSq.NumberOfElements) * sizeof(float);

    /// <summary>
    /// One update of <paramref name="parameters"/> from <paramref name="gradients"/>: both 1-D fp32 tensors covering
    /// exactly this optimizer's range (views into the flat master weights and flat fp32 gradients).
    /// </summary>
    public void Step(Tensor parameters, Tensor gradients, double learningRate)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(gradients);
        CheckOperand(parameters, nameof(parameters));
        CheckOperand(gradients, nameof(gradients));
        if (learningRate < 0 || !double.IsFinite(learningRate))
        {
            throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "learning rate must be finite and >= 0");
        }
        var (beta1, beta2, eps, weightDecay, decoupled, biasCorrection) = Options;
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        StepCount++;

        var gradient = gradients;
        if (_anyDecay && decoupled)
        {
            // torch: param.mul_(1 - lr * weight_decay), here only where the mask says so (x * 1 is exact elsewhere).
            var factor = where(_decayMask, Scalar((float)(1 - learningRate * weightDecay)), Scalar(1f));
            parameters.mul_(factor);
        }
        else if (_anyDecay)
        {
            // torch.optim.Adam's L2 form: grad = grad + weight_decay * param, masked.
            gradient = where(_decayMask, gradients.add(parameters, alpha: weightDecay), gradients);
        }

        ExpAvg.lerp_(gradient, Scalar((float)(1 - beta1)));
        ExpAvgSq.mul_(beta2).addcmul_(gradient, gradient, value: 1 - beta2);

        var biasCorrection1 = biasCorrection ? 1 - Math.Pow(beta1, StepCount) : 1.0;
        var biasCorrection2 = biasCorrection ? 1 - Math.Pow(beta2, StepCount) : 1.0;
        var denominator = (ExpAvgSq.sqrt() / Math.Sqrt(biasCorrection2)).add_(eps);
        parameters.addcdiv_(ExpAvg, denominator, value: -(learningRate / biasCorrection1));
    }

    /// <summary>Replaces the state with a checkpoint's (moments copied; shapes must match this range).</summary>
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

    /// <summary>A 0-dim fp32 tensor on the state's device (lerp_ and where take tensors; a CPU one beside CUDA operands is refused).</summary>
    private Tensor Scalar(float value) => tensor(value, device: ExpAvg.device);

    public void Dispose()
    {
        ExpAvg.Dispose();
        ExpAvgSq.Dispose();
        _decayMask.Dispose();
    }

    private void CheckOperand(Tensor operand, string name)
    {
        if (operand.dtype != ScalarType.Float32 || operand.Dimensions != 1 || operand.shape[0] != Range.Length)
        {
            throw new ArgumentException(
                $"{name} must be a 1-D float32 tensor of {Range.Length} elements (the optimizer's range), " +
                $"not {operand.dtype} [{string.Join(", ", operand.shape)}]", name);
        }
    }
}
