using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Engine;

/// <summary>
/// Where data parallelism plugs into <see cref="TrainingEngine"/>: DDP (stage 0) all-reduces the gradient buffer,
/// ZeRO-1/2 reduce-scatter it into each rank's partition and all-gather updated parameters. The engine calls these at
/// fixed points of a step; one process uses <see cref="SingleProcessSync"/>.
/// </summary>
public interface IDataParallelSync
{
    int Rank { get; }

    int WorldSize { get; }

    /// <summary>True when each rank owns only its partition of master weights and optimizer state (ZeRO-1/2).</summary>
    bool PartitionsOptimizerState { get; }

    /// <summary>Called once with the engine's buffers before training.</summary>
    void Attach(FlatLayout layout, MixedPrecision precision);

    /// <summary>
    /// After each micro-batch's backward. On the accumulation boundary the owned range of the model gradients must be
    /// the average over ranks when this returns (DDP: all-reduce; ZeRO-2 may have reduced buckets during backward).
    /// </summary>
    void AfterBackward(bool isAccumulationBoundary);

    /// <summary>Sums a per-rank value (the squared gradient norm, inf on overflow) over all ranks.</summary>
    double SumAcrossRanks(double value);

    /// <summary>After an applied optimizer step and the master-to-model copy: make every rank's full model current.</summary>
    void AfterStep();
}

/// <summary>One process: nothing to communicate.</summary>
public sealed class SingleProcessSync : IDataParallelSync
{
    public int Rank => 0;

    public int WorldSize => 1;

    public bool PartitionsOptimizerState => false;

    public void Attach(FlatLayout layout, MixedPrecision precision)
    {
    }

    public void AfterBackward(bool isAccumulationBoundary)
    {
    }

    public double SumAcrossRanks(double value) => value;

    public void AfterStep()
    {
    }
}
