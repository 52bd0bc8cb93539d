namespace SharpSpeed.Engine.Config;

/// <summary>Reads the <c>scheduler</c> section: DeepSpeed's WarmupLR, WarmupDecayLR and WarmupCosineLR with their parameter names.</summary>
internal static class SchedulerSectionReader
{
    private static readonly HashSet<string> KnownDeepSpeedSchedulers = new(StringComparer.Ordinal) { "OneCycle", "LRRangeTest" };

    public static SchedulerConfig? Read(ConfigSection root, double optimizerLr)
    {
        var section = root.Section("scheduler");
        if (section is null)
        {
            return null;
        }
        var typeName = section.String("type") ?? throw section.Error("type", "is required");
        if (!Enum.TryParse<DeepSpeedSchedulerType>(typeName, ignoreCase: false, out var type))
        {
            throw KnownDeepSpeedSchedulers.Contains(typeName)
                ? section.NotImplemented("type", $"the {typeName} schedule")
                : section.Error("type", $"\"{typeName}\" is not a DeepSpeed scheduler (WarmupLR, WarmupDecayLR, WarmupCosineLR)");
        }
        var p = section.Section("params") ?? ConfigSection.Empty(root.File, section.KeyPath("params"));
        section.CheckUnknownKeys(strict: true);

        long? total = null;
        if (type != DeepSpeedSchedulerType.WarmupLR)
        {
            total = p.Integer("total_num_steps") ?? throw p.Error("total_num_steps", $"is required by {typeName}");
            if (total <= 0)
            {
                throw p.Error("total_num_steps", "must be a positive integer");
            }
        }
        var warmup = p.Integer("warmup_num_steps") ?? 1000;
        if (warmup <= 0)
        {
            throw p.Error("warmup_num_steps", $"must be a positive integer, got {warmup}");
        }
        var warmupType = (p.String("warmup_type") ?? "log") switch
        {
            "log" => WarmupShape.Log,
            "linear" => WarmupShape.Linear,
            var other => throw p.Error("warmup_type", $"\"{other}\" is not log or linear"),
        };
        if ((p.Integer("last_batch_iteration") ?? -1) != -1)
        {
            throw p.NotImplemented("last_batch_iteration",
                "starting a schedule mid-way; resume from a checkpoint instead");
        }

        double minLr = 0, maxLr = 0, minRatio = 0, cosMinRatio = 0;
        if (type == DeepSpeedSchedulerType.WarmupCosineLR)
        {
            minRatio = p.Double("warmup_min_ratio") ?? 0.0;
            cosMinRatio = p.Double("cos_min_ratio") ?? 0.0001;
        }
        else
        {
            minLr = p.Double("warmup_min_lr") ?? 0.0;
            maxLr = p.Double("warmup_max_lr") ?? optimizerLr;
        }
        p.CheckUnknownKeys(strict: true);
        return new SchedulerConfig(type, minLr, maxLr, warmup, warmupType, total, minRatio, cosMinRatio);
    }
}
