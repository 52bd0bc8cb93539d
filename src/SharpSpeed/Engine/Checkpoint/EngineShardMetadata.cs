using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;

namespace SharpSpeed.Engine.Checkpoint;

/// <summary>
/// The non-tensor part of one rank's engine checkpoint: where its shard sits in the flat layout, the optimizer step,
/// the scheduler's applied steps and the loss scaler. Serialised as JSON beside the shard's tensors.
/// </summary>
public sealed record EngineShardMetadata(
    int FormatVersion,
    string LayoutSignature,
    int Rank,
    int Partitions,
    long TotalElements,
    PartitionRange Range,
    TrainingPrecision Precision,
    AdamWOptions Optimizer,
    long OptimizerStep,
    long SchedulerAppliedSteps,
    LossScalerState LossScaler)
{
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions JsonOptions = new() { WriteIndented = true };

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    public static EngineShardMetadata FromJson(string json, string source)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            return JsonSerializer.Deserialize<EngineShardMetadata>(json, JsonOptions)
                   ?? throw new InvalidDataException($"{source}: engine state is empty");
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"{source}: engine state is not valid: {e.Message}", e);
        }
    }

    /// <summary>A digest of parameter names, shapes, order, alignment and partition count: equal layouts, equal signatures.</summary>
    public static string SignatureOf(FlatLayout layout)
    {
        ArgumentNullException.ThrowIfNull(layout);
        var text = new StringBuilder();
        text.Append(layout.Partitions).Append('|').Append(layout.Alignment).Append('|').Append(layout.TotalElements);
        foreach (var segment in layout.Segments)
        {
            text.Append('|').Append(segment.Name).Append(':').Append(string.Join('x', segment.Shape)).Append('@').Append(segment.Offset);
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }
}
