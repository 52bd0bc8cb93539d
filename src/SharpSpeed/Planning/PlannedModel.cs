using SharpSpeed.Models;

namespace SharpSpeed.Planning;

/// <summary>
/// The model a plan is for: its parameter count and, when known, its config (needed for units and activations).
/// <see cref="LargestLayerParameters"/> is DeepSpeed's <c>largest_layer_params</c> (largest single module).
/// </summary>
public sealed record PlannedModel(double Parameters, ModelConfig? Config, double? LargestLayerParameters)
{
    public static PlannedModel FromConfig(ModelConfig config) =>
        new(config.ParameterCount(), config, ModelUnits.LargestModuleElements(config));

    /// <summary>
    /// The model's units: from its config, or from the count alone as units of the largest layer (one unit holding
    /// everything when that is unknown too, so ZeRO-3's gathered working set is then an upper bound).
    /// </summary>
    public IReadOnlyList<PlannedUnit> Units => Config is not null
        ? ModelUnits.Of(Config)
        : ModelUnits.FromCount(Parameters, LargestLayerParameters ?? Parameters);
}
