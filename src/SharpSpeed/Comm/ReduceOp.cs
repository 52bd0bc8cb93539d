namespace SharpSpeed.Comm;

/// <summary>Element-wise reductions of the collectives (torch.distributed.ReduceOp's SUM, AVG, MAX).</summary>
public enum ReduceOp
{
    Sum,

    /// <summary>Sum divided by the world size; floating-point tensors only.</summary>
    Avg,

    Max,
}
