namespace SharpSpeed.Planning;

/// <summary>
/// The outcome of planning: all four ZeRO stages, the selected one, activations, and the verdict against the
/// GPU's memory (null when no <c>--gpu_memory_gb</c> was given) with computed advice when it does not fit.
/// </summary>
public sealed record MemoryPlan(
    PlannedModel Model,
    TrainingSetup Setup,
    IReadOnlyList<StageEstimate> Stages,
    ActivationEstimate? Activations,
    bool? Fits,
    IReadOnlyList<string> Advice,
    IReadOnlyList<string> Notes)
{
    public StageEstimate Selected => Stages[Setup.ZeroStage];

    public const double BytesPerGb = 1e9;
}
