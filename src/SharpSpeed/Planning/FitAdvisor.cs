using System.Globalization;

namespace SharpSpeed.Planning;

/// <summary>
/// Advice for a setup that does not fit: each line re-plans the setup with one change (next ZeRO stage,
/// optimizer offload, activation checkpointing, a smaller micro-batch) and states the new per-GPU total; when no
/// single change fits, the changes are combined in that order until one does, and failing that the number of
/// GPUs at which ZeRO-3 would fit is given.
/// </summary>
internal static class FitAdvisor
{
    private const int MaxGpusSearched = 4096;

    public static IReadOnlyList<string> Advise(PlannedModel model, TrainingSetup setup)
    {
        double capacity = setup.GpuMemoryGb
                          ?? throw new ArgumentException("advice needs the GPU's memory (--gpu_memory_gb)");
        var lines = new List<string>();
        var singles = new List<(string Change, TrainingSetup Variant)>();

        if (setup.ZeroStage < 3)
        {
            int next = setup.ZeroStage + 1;
            singles.Add(($"ZeRO-{next} instead of ZeRO-{setup.ZeroStage}",
                setup with { ZeroStage = next, Offload = MemoryPlanner.EffectiveOffload(next, setup.Offload) }));
            if (next < 3)
            {
                singles.Add(($"ZeRO-3 instead of ZeRO-{setup.ZeroStage}",
                    setup with { ZeroStage = 3, Offload = setup.Offload }));
            }
        }
        if (setup.Offload == OffloadMode.None)
        {
            int stage = Math.Max(1, setup.ZeroStage);
            string where = stage == setup.ZeroStage ? "" : $" (at ZeRO-{stage}, the first stage that offers it)";
            singles.Add(($"offload the optimizer to CPU{where}",
                setup with { ZeroStage = stage, Offload = OffloadMode.Optimizer }));
        }
        else if (setup.Offload == OffloadMode.Optimizer && setup.ZeroStage == 3)
        {
            singles.Add(("offload the parameters too (--offload all)", setup with { Offload = OffloadMode.All }));
        }
        if (!setup.GradientCheckpointing && model.Config is not null)
        {
            singles.Add(("activation checkpointing (--gradient_checkpointing)", setup with { GradientCheckpointing = true }));
        }

        bool anyFits = false;
        foreach (var (change, variant) in singles)
        {
            anyFits |= Describe(model, variant, change, capacity, lines);
        }
        if (model.Config is not null && setup.MicroBatchSize > 1)
        {
            anyFits |= AdviseMicroBatch(model, setup, capacity, lines);
        }
        if (!anyFits)
        {
            AdviseCombination(model, setup, capacity, lines);
        }
        return lines;
    }

    private static bool AdviseMicroBatch(PlannedModel model, TrainingSetup setup, double capacity, List<string> lines)
    {
        for (int microBatch = setup.MicroBatchSize - 1; microBatch >= 1; microBatch--)
        {
            var variant = setup with { MicroBatchSize = microBatch };
            if (Fits(model, variant, capacity))
            {
                return Describe(model, variant,
                    $"micro-batch {microBatch} instead of {setup.MicroBatchSize} (raise gradient_accumulation_steps "
                    + $"by {setup.MicroBatchSize}/{microBatch} to keep the global batch)", capacity, lines);
            }
        }
        Describe(model, setup with { MicroBatchSize = 1 }, $"micro-batch 1 instead of {setup.MicroBatchSize}", capacity, lines);
        return false;
    }

    private static void AdviseCombination(PlannedModel model, TrainingSetup setup, double capacity, List<string> lines)
    {
        var steps = new List<(string Change, Func<TrainingSetup, TrainingSetup> Apply)>
        {
            ("optimizer offload", s => s with
            {
                ZeroStage = Math.Max(1, s.ZeroStage),
                Offload = s.Offload == OffloadMode.None ? OffloadMode.Optimizer : s.Offload,
            }),
            ("activation checkpointing", s => s with { GradientCheckpointing = true }),
            ("micro-batch 1", s => s with { MicroBatchSize = 1 }),
            ("ZeRO-3", s => s with { ZeroStage = 3 }),
            ("parameter offload", s => s with { ZeroStage = 3, Offload = OffloadMode.All }),
        };
        var combined = setup;
        var applied = new List<string>();
        foreach (var (change, apply) in steps)
        {
            var next = apply(combined);
            if (next == combined)
            {
                continue;
            }
            combined = next;
            applied.Add(change);
            if (Fits(model, combined, capacity))
            {
                Describe(model, combined, "combined: " + string.Join(" + ", applied), capacity, lines);
                return;
            }
        }
        Describe(model, combined, "even with all of: " + string.Join(" + ", applied), capacity, lines);
        AdviseMoreGpus(model, setup with { GradientCheckpointing = model.Config is not null, MicroBatchSize = 1 }, capacity, lines);
    }

    private static void AdviseMoreGpus(PlannedModel model, TrainingSetup setup, double capacity, List<string> lines)
    {
        int gpusPerNode = setup.GpusPerNode;
        for (int numGpus = setup.NumGpus + gpusPerNode; numGpus <= MaxGpusSearched; numGpus += gpusPerNode)
        {
            var variant = setup with
            {
                NumGpus = numGpus, NumNodes = numGpus / gpusPerNode, ZeroStage = 3, Offload = OffloadMode.None,
            };
            if (Fits(model, variant, capacity))
            {
                Describe(model, variant,
                    $"more GPUs: ZeRO-3 without offload, checkpointing and micro-batch 1 on {numGpus} GPUs "
                    + $"({variant.NumNodes} nodes of {gpusPerNode})", capacity, lines);
                return;
            }
        }
        lines.Add($"no data-parallel setup up to {MaxGpusSearched} GPUs of {Gb(capacity * MemoryPlan.BytesPerGb)} fits: "
                  + "shorten --seq_length or use GPUs with more memory");
    }

    private static bool Fits(PlannedModel model, TrainingSetup setup, double capacity) =>
        MemoryPlanner.Selected(model, setup).GpuTotalBytes <= capacity * MemoryPlan.BytesPerGb;

    private static bool Describe(PlannedModel model, TrainingSetup variant, string change, double capacity, List<string> lines)
    {
        var estimate = MemoryPlanner.Selected(model, variant);
        double capacityBytes = capacity * MemoryPlan.BytesPerGb;
        bool fits = estimate.GpuTotalBytes <= capacityBytes;
        string verdict = fits
            ? $"fits ({Gb(capacityBytes - estimate.GpuTotalBytes)} free)"
            : $"still {Gb(estimate.GpuTotalBytes - capacityBytes)} over";
        string deepSpeedCpu = estimate.DeepSpeed is { } ds ? $" (DeepSpeed's estimator, with its 1.5x buffer: {Gb(ds.CpuBytesPerNode)})" : "";
        string cpu = estimate.CpuBytesPerNode > 0 ? $"; CPU memory {Gb(estimate.CpuBytesPerNode)} per node{deepSpeedCpu}" : "";
        lines.Add($"{change}: {Gb(estimate.GpuTotalBytes)} per GPU, {verdict}{cpu}");
        return fits;
    }

    internal static string Gb(double bytes) =>
        (bytes / MemoryPlan.BytesPerGb).ToString("0.0", CultureInfo.InvariantCulture) + " GB";
}
