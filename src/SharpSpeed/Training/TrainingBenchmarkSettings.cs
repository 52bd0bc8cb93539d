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
