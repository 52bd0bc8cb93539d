namespace SharpSpeed.Engine;

/// <summary>What an engine-held buffer is, for the memory ledger (the ZeRO paper's model states, plus communication).</summary>
public enum MemoryKind
{
    /// <summary>Model-dtype parameters: the whole flat buffer (stages 0-2), or this rank's chunks (stage 3).</summary>
    Parameters,

    /// <summary>ZeRO-3 units gathered for forward or backward (transient).</summary>
    GatheredParameters,

    /// <summary>Gradient storage kept between micro-steps: the full model-dtype buffer (stages 0-1) and fp32 gradients.</summary>
    Gradients,

    /// <summary>fp32 master weights (when the model dtype is 16-bit, or the partition is not a view of the parameters).</summary>
    Master,

    /// <summary>Adam's two moments.</summary>
    Optimizer,

    /// <summary>Gradient buckets of open blocks during backward (stages 2-3; transient).</summary>
    Buckets,
}
