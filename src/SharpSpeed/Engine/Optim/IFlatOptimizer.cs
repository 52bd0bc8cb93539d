using static TorchSharp.torch;

namespace SharpSpeed.Engine.Optim;

/// <summary>An AdamW over one <see cref="OptimizerRange"/>: on the device (<see cref="FlatAdamW"/>) or in host memory (<see cref="CpuAdamW"/>).</summary>
public interface IFlatOptimizer : IDisposable
{
    OptimizerRange Range { get; }

    /// <summary>Optimizer steps applied so far (torch's per-parameter "step", shared by the whole range).</summary>
    long StepCount { get; }

    /// <summary>First moment (exp_avg), fp32, one element per element of the range.</summary>
    Tensor ExpAvg { get; }

    /// <summary>Second moment (exp_avg_sq), fp32.</summary>
    Tensor ExpAvgSq { get; }

    /// <summary>Bytes of optimizer state (the two moments; the ZeRO paper's K=8 of K=12).</summary>
    long StateBytes { get; }

    /// <summary>One update of <paramref name="parameters"/> from <paramref name="gradients"/>: 1-D fp32 tensors covering exactly the range.</summary>
    void Update(Tensor parameters, Tensor gradients, double learningRate);

    /// <summary>Replaces the state with a checkpoint's (moments copied; shapes must match the range).</summary>
    void LoadState(long stepCount, Tensor expAvg, Tensor expAvgSq);
}
