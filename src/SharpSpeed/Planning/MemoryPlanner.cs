namespace SharpSpeed.Planning;

/// <summary>
/// Puts the parts together: per stage the paper's and DeepSpeed's model-state numbers, the per-component layout,
/// activations, communication buckets and the reserve; then the verdict for the selected stage and, when it does
/// not fit, advice computed by re-planning each change (<see cref="FitAdvisor"/>).
/// </summary>
public static class MemoryPlanner
{
    public static MemoryPlan Plan(PlannedModel model, TrainingSetup setup)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(setup);
        setup.Validate();
        if (model.Parameters <= 0)
        {
            throw new ArgumentException($"the model must have a positive parameter count, got {model.Parameters}");
        }

        var notes = new List<string>();
        if (model.Config is null)
        {
            notes.Add("activations are not counted (no model shape: give --model_name_or_path, --config or "
                      + "--hidden_size with the other shape flags), so the GPU totals are lower bounds");
        }
        if (model.Config is null && model.LargestLayerParameters is null)
        {
            notes.Add("the model counts as one unit (no shape and no --largest_layer_params), so ZeRO-3 gathers all "
                      + "of it at once: an upper bound");
        }

        var activations = ActivationsFor(model, setup);
        var stages = Enumerable.Range(0, 4)
            .Select(stage => EstimateStage(model, setup, stage, EffectiveOffload(stage, setup.Offload), activations))
            .ToList();

        bool? fits = setup.GpuMemoryGb is { } capacity
            ? stages[setup.ZeroStage].GpuTotalBytes <= capacity * MemoryPlan.BytesPerGb
            : null;
        var advice = fits == false ? FitAdvisor.Advise(model, setup) : [];
        return new MemoryPlan(model, setup, stages, activations, fits, advice, notes);
    }

    /// <summary>GPU bytes per rank for exactly this setup (its stage and offload), including everything counted.</summary>
    public static StageEstimate Selected(PlannedModel model, TrainingSetup setup) =>
        EstimateStage(model, setup, setup.ZeroStage, setup.Offload, ActivationsFor(model, setup));

    /// <summary>
    /// The offload a stage row can show for the requested one: parameter offload exists only at stage 3
    /// (optimizer offload is kept at stages 1-2), and stage 0 offloads nothing.
    /// </summary>
    public static OffloadMode EffectiveOffload(int stage, OffloadMode requested) =>
        IsSupported(stage, requested) ? requested
        : IsSupported(stage, OffloadMode.Optimizer) ? OffloadMode.Optimizer
        : OffloadMode.None;

    /// <summary>Whether DeepSpeed offers <paramref name="offload"/> at <paramref name="stage"/>.</summary>
    public static bool IsSupported(int stage, OffloadMode offload) => offload switch
    {
        OffloadMode.None => true,
        OffloadMode.Optimizer => stage >= 1,
        _ => stage == 3,
    };

    private static ActivationEstimate? ActivationsFor(PlannedModel model, TrainingSetup setup) =>
        model.Config is null
            ? null
            : ActivationMemory.Estimate(
                model.Config, setup.MicroBatchSize, setup.SeqLength, setup.GradientCheckpointing, setup.Lora);

    private static StageEstimate EstimateStage(
        PlannedModel model, TrainingSetup setup, int stage, OffloadMode offload, ActivationEstimate? activations)
    {
        double largestLayer = model.LargestLayerParameters ?? 0;
        bool optimizerOffload = offload != OffloadMode.None;
        DeepSpeedEstimate? deepSpeed = stage switch
        {
            2 => DeepSpeedEstimators.Zero2(model.Parameters, setup.GpusPerNode, setup.NumNodes, optimizerOffload),
            3 => DeepSpeedEstimators.Zero3(
                model.Parameters, largestLayer, setup.GpusPerNode, setup.NumNodes, optimizerOffload,
                offload == OffloadMode.All),
            _ => null,
        };
        return new StageEstimate(
            Stage: stage,
            Offload: offload,
            PaperBytes: ZeroPaperMemory.BytesPerGpu(stage, model.Parameters, setup.NumGpus),
            DeepSpeed: deepSpeed,
            Memory: model.Config is not null
                ? ModelStateLayout.PerRank(model.Config, setup.LayoutFor(stage, offload))
                : ModelStateLayout.PerRank(model.Units, setup.LayoutFor(stage, offload)),
            ActivationBytes: activations?.TotalBytes ?? 0,
            ReserveBytes: setup.ReserveGb * MemoryPlan.BytesPerGb,
            GpusPerNode: setup.GpusPerNode);
    }
}
