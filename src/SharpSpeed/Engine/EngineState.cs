using SharpSpeed.Engine.Precision;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// This rank's share of the training state, for a checkpoint writer: <see cref="Tensors"/> holds the fp32 master
/// weights the rank owns ("master": the whole flat buffer at stage 0, else its partition — its chunk of every block of
/// the layout, in block order), Adam's moments of them ("exp_avg", "exp_avg_sq"); the record holds everything else.
/// A state restores only into an engine with the same stage, world size and layout.
/// </summary>
public sealed record EngineState(EngineStateRecord Record, IReadOnlyDictionary<string, Tensor> Tensors);

/// <summary>The JSON-able part of <see cref="EngineState"/>.</summary>
public sealed record EngineStateRecord(
    int ZeroStage,
    int WorldSize,
    int Rank,
    string Precision,
    long TotalElements,
    long OwnedElements,
    long OptimizerSteps,
    long AppliedSteps,
    long MicroSteps,
    LossScalerState LossScaler);
