namespace SharpSpeed.Planning;

/// <summary>The kinds of bytes a rank holds, as the engine's memory ledger books them.</summary>
public enum MemoryKind
{
    /// <summary>Trainable parameters as the model computes with them (full, or the rank's partition at stage 3).</summary>
    Parameters,

    /// <summary>Frozen base weights under LoRA (model dtype, or 4/8-bit), never partitioned by the engine.</summary>
    FrozenBase,
    Gradients,

    /// <summary>fp32 master weights of mixed-precision training.</summary>
    Master,

    /// <summary>Adam's two fp32 moments.</summary>
    Optimizer,

    /// <summary>Gradient blocks in flight (stages 2-3).</summary>
    Buckets,

    /// <summary>Stage 3: units all-gathered for compute, and persistent units kept whole.</summary>
    GatheredParameters,
}

/// <summary>Bytes of one kind on the device and in host memory, with the formula that gave them.</summary>
public sealed record KindBytes(MemoryKind Kind, double DeviceBytes, double HostBytes, string Formula);

/// <summary>One rank's model-state bytes by kind, and the block layout they were computed from.</summary>
public sealed record RankMemory(IReadOnlyList<KindBytes> Kinds, BlockLayout Blocks, string Legend)
{
    public double DeviceBytes => Kinds.Sum(k => k.DeviceBytes);

    public double HostBytes => Kinds.Sum(k => k.HostBytes);

    public double Device(MemoryKind kind) => Kinds.Where(k => k.Kind == kind).Sum(k => k.DeviceBytes);

    public double Host(MemoryKind kind) => Kinds.Where(k => k.Kind == kind).Sum(k => k.HostBytes);
}
