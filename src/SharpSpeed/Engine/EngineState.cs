using SharpSpeed.Engine.Precision;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// This rank's share of the training state, for a checkpoint writer: <see cref="Tensors"/> holds the fp32 master
/// weights of the range the rank owns ("master"), Adam's moments of that range ("exp_avg", "exp_avg_sq"); the record
/// holds everything else. A state restores only into an engine with the same stage, world size and layout.
/// </summary>
public sealed record EngineState(EngineStateRecord Record, IReadOnlyDictionary<string, Tensor> Tensors);

/// <summary>The JSON-able part of <see cref="EngineState"/>.</summary>
public sealed record EngineStateRecord(
    int ZeroStage,
    int WorldSize,
    int Rank,
    string Precision,
    long TotalElements,
    long RangeStart,
    long RangeLength,
    long OptimizerSteps,
    long AppliedSteps,
    long MicroSteps,
    LossScalerState LossScaler);
