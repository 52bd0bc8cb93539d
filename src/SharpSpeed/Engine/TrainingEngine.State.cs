using SharpSpeed.Engine.Zero;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>The engine's state as checkpoints hold it, per rank, and the weights consolidated from all ranks.</summary>
public sealed partial class TrainingEngine
{
    /// <summary>This rank's shard of the state (host copies), for a checkpoint.</summary>
    public EngineState CaptureState()
    {
        var record = new EngineStateRecord(_options.ZeroStage, _group.WorldSize, _group.Rank, _options.Precision.ToString(),
            Layout.TotalElements, OwnedElements, _optimizer.StepCount, _appliedSteps, MicroSteps, LossScaler.State);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["master"] = HostCopy(_master),
            ["exp_avg"] = HostCopy(_optimizer.ExpAvg),
            ["exp_avg_sq"] = HostCopy(_optimizer.ExpAvgSq),
        };
        return new EngineState(record, tensors);
    }

    /// <summary>Restores a state captured by an engine of the same stage, world size, rank and layout; collective (all ranks call it).</summary>
    public void RestoreState(EngineState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var r = state.Record;
        if (r.ZeroStage != _options.ZeroStage || r.WorldSize != _group.WorldSize || r.Rank != _group.Rank)
        {
            throw new InvalidOperationException(
                $"engine state of rank {r.Rank} of {r.WorldSize} at ZeRO stage {r.ZeroStage} cannot be restored into rank " +
                $"{_group.Rank} of {_group.WorldSize} at stage {_options.ZeroStage}: re-partitioning to another world size or stage is not supported");
        }
        if (r.TotalElements != Layout.TotalElements || r.OwnedElements != OwnedElements || r.Precision != _options.Precision.ToString())
        {
            throw new InvalidOperationException(
                $"engine state owns {r.OwnedElements} of {r.TotalElements} elements in {r.Precision}, but this engine owns " +
                $"{OwnedElements} of {Layout.TotalElements} in {_options.Precision}: a different model or bucket size");
        }
        using var noGrad = no_grad();
        _master.copy_(Required(state, "master"));
        _optimizer.LoadState(r.OptimizerSteps, Required(state, "exp_avg"), Required(state, "exp_avg_sq"));
        LossScaler.Restore(r.LossScaler);
        _appliedSteps = r.AppliedSteps;
        MicroSteps = r.MicroSteps;
        PublishMaster();
        ZeroGradients();
    }

    /// <summary>
    /// The weights of every trained parameter by name, in host memory and <paramref name="dtype"/> (fp32 master values,
    /// all-gathered from the ranks' partitions under ZeRO); collective: every rank must call it. The caller disposes them.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> ConsolidatedWeights(ScalarType dtype = ScalarType.Float32)
    {
        using var noGrad = no_grad();
        using var full = _options.ZeroStage == 0
            ? _master.to(dtype, CPU)
            : PartitionExchange.Consolidate(Layout, _group, _master, dtype, Placement.OptimizerDevice);
        return Layout.Segments.ToDictionary(
            s => s.Name,
            s =>
            {
                using var view = full.narrow(0, s.Offset, s.Count);
                return view.view(s.ShapeArray()).clone().DetachFromDisposeScope();
            },
            StringComparer.Ordinal);
    }

    private static Tensor Required(EngineState state, string name) =>
        state.Tensors.TryGetValue(name, out var value)
            ? value
            : throw new InvalidOperationException($"engine state has no tensor \"{name}\"");

    private static Tensor HostCopy(Tensor tensor) =>
        (tensor.device_type == DeviceType.CPU ? tensor.clone() : tensor.cpu()).DetachFromDisposeScope();
}
