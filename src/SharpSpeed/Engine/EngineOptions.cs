using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;

namespace SharpSpeed.Engine;

/// <summary>What <see cref="TrainingEngine"/> needs besides the parameters; the trainer builds it from TrainingArguments or a DeepSpeed config.</summary>
/// <param name="MaxGradNorm">Clip to this global norm; 0 turns clipping off.</param>
/// <param name="Decays">Which parameters get weight decay (HF's rule by default).</param>
/// <param name="Alignment">Element alignment of parameters and partitions in the flat buffers.</param>
public sealed record EngineOptions(
    TrainingPrecision Precision,
    AdamWOptions Adam,
    ILearningRateSchedule Schedule,
    ILossScaler LossScaler,
    double MaxGradNorm,
    int GradientAccumulationSteps,
    Func<string, bool>? Decays = null,
    long Alignment = 16);
