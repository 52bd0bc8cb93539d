using System.Text.Json.Serialization;

namespace SharpSpeed.Training;

/// <summary>One logged optimizer step: a line of metrics.jsonl and a point of the loss curve.</summary>
public sealed record StepMetrics(
    [property: JsonPropertyName("step")] long Step,
    [property: JsonPropertyName("epoch")] double Epoch,
    [property: JsonPropertyName("loss")] double Loss,
    [property: JsonPropertyName("lr")] double LearningRate,
    [property: JsonPropertyName("grad_norm")] double GradNorm,
    [property: JsonPropertyName("tokens_per_s")] double TokensPerSecond)
{
    /// <summary>fp16 only: the dynamic loss scale after this step.</summary>
    [JsonPropertyName("loss_scale")]
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public double? LossScale { get; init; }

    [JsonPropertyName("step_ms")]
    public double StepMilliseconds { get; init; }

    [JsonPropertyName("skipped_steps")]
    public long SkippedSteps { get; init; }
}
