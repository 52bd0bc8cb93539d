using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Optim;

/// <summary>
/// torch.optim.AdamW's update (decoupled decay, bias correction, eps added after the square root) over one
/// <see cref="OptimizerRange"/> of flat fp32 buffers, in a handful of whole-range tensor ops on the range's device
/// instead of a loop over parameters. A per-element mask applies weight decay only where the range says.
/// </summary>
public sealed class FlatAdamW : IFlatOptimizer
{
    private readonly Tensor _decayMask;
    private readonly bool _anyDecay;

    public FlatAdamW(OptimizerRange range, AdamWOptions options, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(range);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Range = range;
        Options = options;
        ExpAvg = zeros(range.Length, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        ExpAvgSq = zeros(range.Length, dtype: ScalarType.Float32, device: device).DetachFromDisposeScope();
        _decayMask = zeros(range.Length, dtype: ScalarType.Bool, device: device).DetachFromDisposeScope();
        using var decays = true.ToScalar();
        foreach (var decayed in range.Decayed)
        {
            using var slice = _decayMask.narrow(0, decayed.Start, decayed.Length);
            slice.fill_(decays);
        }
        _anyDecay = range.DecayedElements > 0 && options.WeightDecay != 0;
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
            using var decay = weightDecay.ToScalar();
            gradient = where(_decayMask, gradients.add(parameters, alpha: decay), gradients);
        }

        ExpAvg.lerp_(gradient, Scalar((float)(1 - beta1)));
        using var secondMomentDecay = beta2.ToScalar();
        using var secondMomentWeight = (1 - beta2).ToScalar();
        ExpAvgSq.mul_(secondMomentDecay).addcmul_(gradient, gradient, value: secondMomentWeight);

        var biasCorrection1 = biasCorrection ? 1 - Math.Pow(beta1, StepCount) : 1.0;
        var biasCorrection2 = biasCorrection ? 1 - Math.Pow(beta2, StepCount) : 1.0;
        using var secondMomentCorrection = Math.Sqrt(biasCorrection2).ToScalar();
        using var epsilon = eps.ToScalar();
        using var stepSize = (-(learningRate / biasCorrection1)).ToScalar();
        var denominator = ExpAvgSq.sqrt().div_(secondMomentCorrection).add_(epsilon, HeldScalars.One);
        parameters.addcdiv_(ExpAvg, denominator, value: stepSize);
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
        if (operand.dtype != ScalarType.Float32 || operand.Dimensions != 1 || operand.shape[0] != Range.Length
            || operand.device_type != ExpAvg.device_type || operand.device_index != ExpAvg.device_index)
        {
            throw new ArgumentException(
                $"{name} must be a 1-D float32 tensor of {Range.Length} elements on {ExpAvg.device} (the optimizer's range), " +
                $"not {operand.dtype} [{string.Join(", ", operand.shape)}] on {operand.device}", name);
        }
    }
}
