using SharpSpeed.Engine.Precision;
using SharpSpeed.Models;

namespace SharpSpeed.Training;

/// <summary>What <see cref="TrainingBenchmark"/> trains: the model shape, the per-rank batch, the steps and the engine setup.</summary>
public sealed record TrainingBenchmarkSettings
{
    /// <summary>The benchmark's reference model (bench/README.md): 656,000 parameters (vocab 512, hidden 128, 2 layers, 4 heads, intermediate 512).</summary>
    public static ModelConfig ReferenceModel { get; } = new()
    {
        VocabSize = 512,
        HiddenSize = 128,
        IntermediateSize = 512,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 4,
        HeadDim = 32,
        MaxPositionEmbeddings = 2048,
    };

    public ModelConfig Model { get; init; } = ReferenceModel;
    public int SequenceLength { get; init; } = 128;

    /// <summary>Rows per rank per step (the micro-batch; no accumulation).</summary>
    public int BatchSize { get; init; } = 4;

    public int Steps { get; init; } = 20;
    public int WarmupSteps { get; init; } = 3;
    public int ZeroStage { get; init; }
    public TrainingPrecision Precision { get; init; } = TrainingPrecision.Fp32;
    public long Seed { get; init; } = 42;

    /// <summary>Start gradient communication from hooks during backward (torch DDP always does; DeepSpeed's overlap_comm).</summary>
    public bool OverlapComm { get; init; }

    /// <summary>offload_optimizer (device cpu): master weights and Adam moments in host memory, CPU Adam.</summary>
    public bool OffloadOptimizer { get; init; }

    /// <summary>offload_param (device cpu, stage 3): the parameter partition in host memory.</summary>
    public bool OffloadParam { get; init; }

    /// <summary>DeepSpeed's reduce_bucket_size (elements): how much gradient one reduction carries.</summary>
    public long ReduceBucketSize { get; init; } = 500_000_000;

    /// <summary>DeepSpeed's stage3_prefetch_bucket_size (elements): how far ahead ZeRO-3 gathers parameters.</summary>
    public long PrefetchBucketSize { get; init; } = 50_000_000;

    /// <summary>DeepSpeed's stage3_param_persistence_threshold (elements): smaller ZeRO-3 parameters stay gathered.</summary>
    public long ParamPersistenceThreshold { get; init; } = 100_000;

    /// <summary>DeepSpeed's stage3_max_reuse_distance (elements): a ZeRO-3 unit used again within it is kept gathered.</summary>
    public long MaxReuseDistance { get; init; } = 1_000_000_000;

    /// <summary>AdamW as the PyTorch reference (bench/pytorch_reference.py) runs it: lr 1e-3, torch's betas and eps, no decay.</summary>
    public double LearningRate { get; init; } = 1e-3;

    /// <summary>HF's max_grad_norm default; the reference clips too, so both compute the global norm every step.</summary>
    public double GradientClipping { get; init; } = 1.0;

    public void Validate()
    {
        if (SequenceLength < 2 || BatchSize < 1 || Steps < 1 || WarmupSteps < 0)
        {
            throw new ArgumentException(
                $"bench train needs --seq_length >= 2, --batch_size >= 1, --steps >= 1, --warmup >= 0 (got {SequenceLength}, {BatchSize}, {Steps}, {WarmupSteps})");
        }
        if (ReduceBucketSize < 1 || PrefetchBucketSize < 0 || ParamPersistenceThreshold < 0 || MaxReuseDistance < 0)
        {
            throw new ArgumentException(
                "bench train needs --reduce_bucket_size >= 1 and --stage3_prefetch_bucket_size, --stage3_param_persistence_threshold, " +
                $"--stage3_max_reuse_distance >= 0 (got {ReduceBucketSize}, {PrefetchBucketSize}, {ParamPersistenceThreshold}, {MaxReuseDistance})");
        }
        if (SequenceLength > Model.MaxPositionEmbeddings)
        {
            throw new ArgumentException($"--seq_length {SequenceLength} exceeds the model's max_position_embeddings {Model.MaxPositionEmbeddings}");
        }
        if (Model.HiddenSize % Model.NumAttentionHeads != 0)
        {
            throw new ArgumentException($"--hidden_size {Model.HiddenSize} is not divisible by --num_heads {Model.NumAttentionHeads}");
        }
    }
}
