using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Checkpoint;

/// <summary>
/// Captures and restores one rank's engine state for the checkpoint writer: tensors (fp32 master weights and the two
/// Adam moments of the owned range, by name) plus <see cref="EngineShardMetadata"/>. Restoring refuses a shard written
/// for another layout or partitioning with a message that says which.
/// </summary>
public static class EngineShardState
{
    public const string MasterKey = "fp32_master";
    public const string ExpAvgKey = "exp_avg";
    public const string ExpAvgSqKey = "exp_avg_sq";

    /// <summary>
    /// Views of the live state (no copies): write them before the next optimizer step. The caller disposes the handles.
    /// </summary>
    public static (Dictionary<string, Tensor> Tensors, EngineShardMetadata Metadata) Capture(
        FlatLayout layout, int rank, MixedPrecision precision, FlatAdamW optimizer, ILossScaler scaler, long schedulerAppliedSteps)
    {
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(scaler);
        if (precision.OwnedRange != optimizer.Range)
        {
            throw new ArgumentException("the optimizer and the master weights cover different ranges");
        }
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            [MasterKey] = precision.Master.alias(),
            [ExpAvgKey] = optimizer.ExpAvg.alias(),
            [ExpAvgSqKey] = optimizer.ExpAvgSq.alias(),
        };
        var metadata = new EngineShardMetadata(EngineShardMetadata.CurrentFormatVersion, EngineShardMetadata.SignatureOf(layout), rank,
            layout.Partitions, layout.TotalElements, optimizer.Range, precision.Precision, optimizer.Options, optimizer.StepCount,
            schedulerAppliedSteps, scaler.State);
        return (tensors, metadata);
    }

    /// <summary>
    /// Loads a captured shard into this run's objects and writes the master weights back into the model's owned range.
    /// Returns the scheduler's applied steps. <paramref name="source"/> names the checkpoint in errors.
    /// </summary>
    public static long Restore(string source, IReadOnlyDictionary<string, Tensor> tensors, EngineShardMetadata metadata,
        FlatLayout layout, int rank, MixedPrecision precision, FlatAdamW optimizer, ILossScaler scaler)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        ArgumentNullException.ThrowIfNull(metadata);
        ArgumentNullException.ThrowIfNull(layout);
        ArgumentNullException.ThrowIfNull(precision);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(scaler);
        if (metadata.FormatVersion != EngineShardMetadata.CurrentFormatVersion)
        {
            throw new InvalidDataException($"{source}: engine state format {metadata.FormatVersion} is not {EngineShardMetadata.CurrentFormatVersion}");
        }
        if (metadata.Partitions != layout.Partitions || metadata.TotalElements != layout.TotalElements)
        {
            throw new InvalidDataException(
                $"{source}: the optimizer shard was written for {metadata.Partitions} partition(s) of a {metadata.TotalElements}-element " +
                $"buffer; this run has {layout.Partitions} of {layout.TotalElements} (resume at the saved world size, or consolidate first)");
        }
        if (metadata.LayoutSignature != EngineShardMetadata.SignatureOf(layout))
        {
            throw new InvalidDataException($"{source}: the optimizer shard was written for a different model (parameter names, shapes or order differ)");
        }
        if (metadata.Rank != rank || metadata.Range != optimizer.Range)
        {
            throw new InvalidDataException($"{source}: the shard belongs to rank {metadata.Rank}, not rank {rank}");
        }
        if (metadata.Precision != precision.Precision)
        {
            throw new InvalidDataException($"{source}: saved with {metadata.Precision}, but this run uses {precision.Precision}");
        }
        var master = Required(source, tensors, MasterKey, optimizer.Range.Length);
        optimizer.LoadState(metadata.OptimizerStep, Required(source, tensors, ExpAvgKey, optimizer.Range.Length),
            Required(source, tensors, ExpAvgSqKey, optimizer.Range.Length));
        using (no_grad())
        {
            precision.Master.copy_(master);
        }
        precision.CopyMasterToModel();
        scaler.Restore(metadata.LossScaler);
        return metadata.SchedulerAppliedSteps;
    }

    private static Tensor Required(string source, IReadOnlyDictionary<string, Tensor> tensors, string key, long length)
    {
        if (!tensors.TryGetValue(key, out var tensor))
        {
            throw new InvalidDataException($"{source}: tensor \"{key}\" is missing from the optimizer shard");
        }
        if (tensor.dtype != ScalarType.Float32 || tensor.Dimensions != 1 || tensor.shape[0] != length)
        {
            throw new InvalidDataException(
                $"{source}: tensor \"{key}\" is {tensor.dtype} [{string.Join(", ", tensor.shape)}], expected float32 [{length}]");
        }
        return tensor;
    }
}
