namespace SharpSpeed.Planning;

/// <summary>What ZeRO-Offload moves to CPU memory (DeepSpeed <c>offload_optimizer</c> / <c>offload_param</c>).</summary>
public enum OffloadMode
{
    None,

    /// <summary>fp32 gradients, fp32 master weights and Adam moments live on the CPU (ZeRO stages 1-3).</summary>
    Optimizer,

    /// <summary>Optimizer offload plus the 16-bit parameter partitions (ZeRO stage 3 only).</summary>
    All,
}
