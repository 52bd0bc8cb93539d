namespace SharpSpeed.Planning;

/// <summary>
/// The model a plan is for: its parameter count and, when known, its shape (needed for activations) and the
/// parameters of its largest layer (needed for ZeRO-3's gathered working set).
/// </summary>
public sealed record PlannedModel(double Parameters, ModelShape? Shape, double? LargestLayerParameters)
{
    public static PlannedModel FromShape(ModelShape shape) =>
        new(shape.Parameters, shape, shape.LargestLayerParameters);
}
