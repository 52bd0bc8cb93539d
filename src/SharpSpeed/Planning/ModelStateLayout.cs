namespace SharpSpeed.Planning;

/// <summary>One kind of model state and the bytes of it that one rank keeps on its GPU and in CPU memory.</summary>
public sealed record ModelStateComponent(string Name, double GpuBytes, double CpuBytes);

/// <summary>
/// Where every byte of model state lives for one rank, following DeepSpeed's implementation of mixed-precision
/// Adam (the layout SharpSpeed's engine follows), per parameter:
/// 16-bit parameters 2 B (partitioned at stage 3; on the CPU with <see cref="OffloadMode.All"/>);
/// 16-bit gradients 2 B (full at stages 0-1, partitioned at stage 2, at stage 3 reduced straight into the
/// fp32 partition; with optimizer offload stage 2 copies them to the CPU instead of keeping a partition);
/// fp32 gradients 4 B, fp32 master weights 4 B and Adam moments 8 B (full at stage 0, partitioned from stage 1,
/// on the CPU with optimizer offload); at stage 3 the gathered largest layer's 16-bit parameters and gradients
/// (4 B per parameter of that layer). For stages 2 and 3 the GPU total equals DeepSpeed's estimator functions.
/// </summary>
public static class ModelStateLayout
{
    public static IReadOnlyList<ModelStateComponent> PerRank(
        int stage, double parameters, int numGpus, OffloadMode offload, double largestLayerParameters)
    {
        Validate(stage, offload);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numGpus);
        double n = numGpus;
        bool optimizerOnCpu = offload != OffloadMode.None;
        double partitionedOptimizer = stage == 0 ? parameters : parameters / n;

        var components = new List<ModelStateComponent>();
        double params16 = 2 * (stage == 3 ? parameters / n : parameters);
        components.Add(offload == OffloadMode.All
            ? new ModelStateComponent("16-bit parameters", 0, params16)
            : new ModelStateComponent("16-bit parameters", params16, 0));

        if (stage <= 1)
        {
            components.Add(new ModelStateComponent("16-bit gradients", 2 * parameters, 0));
        }
        else if (stage == 2 && !optimizerOnCpu)
        {
            components.Add(new ModelStateComponent("16-bit gradient partition", 2 * parameters / n, 0));
        }

        foreach (var (name, bytes) in new[] { ("fp32 gradients", 4), ("fp32 master weights", 4), ("Adam moments", 8) })
        {
            double total = bytes * partitionedOptimizer;
            components.Add(optimizerOnCpu
                ? new ModelStateComponent(name, 0, total)
                : new ModelStateComponent(name, total, 0));
        }

        if (stage == 3)
        {
            components.Add(new ModelStateComponent(
                "gathered largest layer (16-bit params + grads)", 4 * largestLayerParameters, 0));
        }
        return components;
    }

    /// <summary>Rejects combinations DeepSpeed does not offer, with the reason.</summary>
    public static void Validate(int stage, OffloadMode offload)
    {
        if (stage is < 0 or > 3)
        {
            throw new ArgumentOutOfRangeException(nameof(stage), stage, "ZeRO stage must be 0, 1, 2 or 3");
        }
        if (offload == OffloadMode.All && stage != 3)
        {
            throw new ArgumentException(
                $"--offload all (parameter offload) needs --zero_stage 3; stage {stage} can offload the optimizer only");
        }
        if (offload == OffloadMode.Optimizer && stage == 0)
        {
            throw new ArgumentException("--offload optimizer needs ZeRO stage 1, 2 or 3 (stage 0 keeps the optimizer on the GPU)");
        }
    }

    /// <summary>Whether <paramref name="offload"/> can be used at <paramref name="stage"/>.</summary>
    public static bool IsSupported(int stage, OffloadMode offload) => offload switch
    {
        OffloadMode.None => true,
        OffloadMode.Optimizer => stage >= 1,
        _ => stage == 3,
    };
}
