using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Engine;

/// <summary>
/// How a <see cref="TrainingEngine"/> trains: ZeRO stage, precision, optimizer, schedule, clipping, accumulation and
/// the communication buckets. Bucket sizes are in elements, as DeepSpeed's config gives them, except DDP's caps,
/// which are bytes as in torch's DistributedDataParallel (bucket_cap_mb 25, first bucket 1 MB).
/// </summary>
public sealed record TrainingEngineOptions
{
    /// <summary>0: data parallel (every rank holds everything); 1: optimizer states partitioned; 2: gradients too; 3: parameters too.</summary>
    public int ZeroStage { get; init; }

    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;

    /// <summary>Loss-scaler settings, used when <see cref="Precision"/> is fp16.</summary>
    public Fp16Config Fp16 { get; init; } = new();

    public AdamWOptions AdamW { get; init; } = new();

    /// <summary>The learning rate of every optimizer step.</summary>
    public required ILearningRateSchedule Schedule { get; init; }

    /// <summary>Which parameters (by name) get weight decay; HF's rule by default.</summary>
    public Func<string, bool> Decays { get; init; } = WeightDecayRule.HuggingFaceDecays;

    /// <summary>Clip the global gradient norm to this value; 0 turns clipping off.</summary>
    public double GradientClipping { get; init; }

    public int GradientAccumulationSteps { get; init; } = 1;

    /// <summary>ZeRO: elements reduce-scattered per bucket.</summary>
    public long ReduceBucketSize { get; init; } = 500_000_000;

    /// <summary>ZeRO: elements all-gathered per bucket after the step.</summary>
    public long AllgatherBucketSize { get; init; } = 500_000_000;

    /// <summary>reduce_scatter: false all-reduces each gradient block instead of reduce-scattering it (ZeRO stages 1-3).</summary>
    public bool ReduceScatter { get; init; } = true;

    /// <summary>allgather_partitions: false gathers updated parameters by one broadcast per partition owner.</summary>
    public bool AllgatherPartitions { get; init; } = true;

    /// <summary>prescale_gradients: divide by <see cref="GradientPredivideFactor"/> before the sum, scale to the mean after.</summary>
    public bool PrescaleGradients { get; init; }

    /// <summary>gradient_predivide_factor (DeepSpeed's; 1 = plain averaging).</summary>
    public double GradientPredivideFactor { get; init; } = 1.0;

    /// <summary>ZeRO-3's gathering knobs (used at stage 3 only).</summary>
    public Zero.Stage3Options Stage3 { get; init; } = new();

    /// <summary>offload_optimizer device cpu: master weights, moments and fp32 gradients in host memory, AdamW on the CPU; null keeps them on the device.</summary>
    public Placement.HostOffload? OffloadOptimizer { get; init; }

    /// <summary>offload_param device cpu (stage 3): this rank's parameter chunks in host memory; null keeps them on the device.</summary>
    public Placement.HostOffload? OffloadParam { get; init; }

    /// <summary>Run each complete gradient block's collective asynchronously while backward goes on (else the hook waits for it).</summary>
    public bool OverlapComm { get; init; }

    /// <summary>Stage 0: bytes per all-reduce bucket (torch DDP's bucket_cap_mb = 25).</summary>
    public long DdpBucketCapBytes { get; init; } = 25L * 1024 * 1024;

    /// <summary>The options of a DeepSpeed config (zero section, precision, clipping, accumulation, AdamW) plus a schedule.</summary>
    public static TrainingEngineOptions FromDeepSpeed(DeepSpeedConfig config, ILearningRateSchedule schedule, AdamWOptions adamW)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new TrainingEngineOptions
        {
            ZeroStage = config.Zero.Stage,
            Precision = config.Precision,
            Fp16 = config.Fp16,
            AdamW = adamW,
            Schedule = schedule,
            GradientClipping = config.GradientClipping,
            GradientAccumulationSteps = config.GradientAccumulationSteps,
            ReduceBucketSize = config.Zero.ReduceBucketSize,
            AllgatherBucketSize = config.Zero.AllgatherBucketSize,
            OverlapComm = config.Zero.OverlapComm,
            ReduceScatter = config.Zero.ReduceScatter,
            AllgatherPartitions = config.Zero.AllgatherPartitions,
            PrescaleGradients = config.PrescaleGradients,
            GradientPredivideFactor = config.GradientPredivideFactor,
            Stage3 = config.Zero.Stage3,
            OffloadOptimizer = config.Zero.OffloadOptimizer,
            OffloadParam = config.Zero.OffloadParam,
        };
    }

    public void Validate()
    {
        if (ZeroStage is < 0 or > 3)
        {
            throw new ArgumentException($"zero_optimization.stage {ZeroStage} is not a ZeRO stage: use 0, 1, 2 or 3");
        }
        if (OffloadOptimizer is not null && ZeroStage == 0)
        {
            throw new ArgumentException("zero_optimization.offload_optimizer needs ZeRO stage 1, 2 or 3 (stage 0 keeps no partition to offload)");
        }
        if (OffloadParam is not null && ZeroStage != 3)
        {
            throw new ArgumentException($"zero_optimization.offload_param needs ZeRO stage 3 (parameters are partitioned only there), not stage {ZeroStage}");
        }
        if (GradientPredivideFactor <= 0 || !double.IsFinite(GradientPredivideFactor))
        {
            throw new ArgumentException($"gradient_predivide_factor must be a finite value > 0, not {GradientPredivideFactor}");
        }
        Stage3.Validate();
        ArgumentOutOfRangeException.ThrowIfLessThan(GradientAccumulationSteps, 1, nameof(GradientAccumulationSteps));
        ArgumentOutOfRangeException.ThrowIfLessThan(ReduceBucketSize, 1, nameof(ReduceBucketSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(AllgatherBucketSize, 1, nameof(AllgatherBucketSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(DdpBucketCapBytes, 1, nameof(DdpBucketCapBytes));
        if (GradientClipping < 0 || !double.IsFinite(GradientClipping))
        {
            throw new ArgumentException($"gradient_clipping must be a finite value >= 0, not {GradientClipping}");
        }
        AdamW.Validate();
    }
}
