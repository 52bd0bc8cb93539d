namespace SharpSpeed.Planning;

/// <summary>The dtype a model is trained in; 16-bit dtypes train with fp32 master weights (mixed precision).</summary>
public enum TrainingDtype
{
    Fp32,
    Bf16,
    Fp16,
}

/// <summary>
/// What decides where a rank's model-state bytes live: data-parallel world, ZeRO stage, dtype, offload, DeepSpeed's
/// bucket and stage-3 settings (defaults are DeepSpeed's and PyTorch DDP's), LoRA and the base's bits.
/// </summary>
public sealed record LayoutSettings
{
    /// <summary>PyTorch DDP's <c>bucket_cap_mb</c> default, 25 MiB.</summary>
    public const long DefaultDdpBucketCapBytes = 25L * 1024 * 1024;

    public required int World { get; init; }
    public required int Stage { get; init; }
    public TrainingDtype Dtype { get; init; } = TrainingDtype.Bf16;
    public bool OffloadOptimizer { get; init; }
    public bool OffloadParam { get; init; }
    public long DdpBucketCapBytes { get; init; } = DefaultDdpBucketCapBytes;
    public long ReduceBucketSize { get; init; } = 500_000_000;
    public long AllgatherBucketSize { get; init; } = 500_000_000;

    /// <summary>null: DeepSpeed's default (on at stage 3, off below).</summary>
    public bool? OverlapComm { get; init; }
    public long Stage3MaxLiveParameters { get; init; } = 1_000_000_000;
    public long Stage3ParamPersistenceThreshold { get; init; } = 100_000;

    /// <summary>Stages 0-1 keep a full gradient buffer; true when the engine accumulates it in fp32, not the model dtype.</summary>
    public bool FullGradientsFp32 { get; init; }
    public LoraSettings? Lora { get; init; }

    /// <summary>Bits of the frozen base's decoder linears: 16 (model dtype), 8 or 4 (QLoRA, NF4); below 16 needs LoRA.</summary>
    public int Bits { get; init; } = 16;
    public bool DoubleQuant { get; init; } = true;

    public int DtypeBytes => Dtype == TrainingDtype.Fp32 ? 4 : 2;

    /// <summary>16-bit training keeps fp32 master weights; LoRA adapters train in fp32 and need none.</summary>
    public bool MixedPrecision => Dtype != TrainingDtype.Fp32 && Lora is null;

    /// <summary>Bytes of one trainable element as the model holds it (LoRA adapters are fp32).</summary>
    public int TrainableElementBytes => Lora is null ? DtypeBytes : 4;

    public bool EffectiveOverlapComm => OverlapComm ?? Stage == 3;

    /// <summary>Rejects combinations DeepSpeed does not offer, in one line naming the setting.</summary>
    public void Validate()
    {
        if (World <= 0)
        {
            throw new ArgumentException($"world size must be positive, got {World}");
        }
        if (Stage is < 0 or > 3)
        {
            throw new ArgumentException($"ZeRO stage must be 0, 1, 2 or 3, got {Stage}");
        }
        if (OffloadOptimizer && Stage == 0)
        {
            throw new ArgumentException("offload_optimizer needs ZeRO stage 1, 2 or 3 (stage 0 keeps the optimizer on the GPU)");
        }
        if (OffloadParam && Stage != 3)
        {
            throw new ArgumentException($"offload_param needs --zero_stage 3; stage {Stage} can offload the optimizer only");
        }
        if (DdpBucketCapBytes <= 0 || ReduceBucketSize <= 0 || AllgatherBucketSize <= 0 || Stage3MaxLiveParameters <= 0)
        {
            throw new ArgumentException("bucket sizes and stage3_max_live_parameters must be positive");
        }
        QuantizedWeights.Validate(Bits);
        if (Bits < 16 && Lora is null)
        {
            throw new ArgumentException($"--bits {Bits} quantises a frozen base: it needs LoRA adapters (--lora_r)");
        }
    }
}
