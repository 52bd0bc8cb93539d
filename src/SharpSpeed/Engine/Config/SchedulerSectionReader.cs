namespace SharpSpeed.Engine.Config;

/// <summary>Reads the <c>scheduler</c> section: DeepSpeed's WarmupLR, WarmupDecayLR and WarmupCosineLR with their parameter names.</summary>
internal static class SchedulerSectionReader
{
    private static readonly HashSet<string> KnownDeepSpeedSchedulers = new(StringComparer.Ordinal) { "OneCycle", "LRRangeTest" };

    public static SchedulerConfig? Read(ConfigSection root, AutoValueFiller filler, double optimizerLr)
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
            // The trainer's step count is compared with a given value only when the trainer knows it.
            total = (p.IsAuto("total_num_steps") || filler.Trainer?.TotalTrainingSteps is not null
                        ? filler.Integer(p, "total_num_steps", t => t.TotalTrainingSteps ?? throw TotalNeeded(p),
                            HfTrainingValues.TrainingStepsName)
                        : p.Integer("total_num_steps"))
                    ?? throw p.Error("total_num_steps", $"is required by {typeName}");
            if (total <= 0)
            {
                throw p.Error("total_num_steps", "must be a positive integer");
            }
        }
        var trainerKnowsWarmup = filler.Trainer is { } hf && (hf.WarmupSteps > 0 || hf.TotalTrainingSteps is not null);
        var warmup = (p.IsAuto("warmup_num_steps") || trainerKnowsWarmup
                         ? filler.Integer(p, "warmup_num_steps",
                         t => t.WarmupSteps > 0
                             ? t.WarmupSteps
                             : HfTrainingValues.ResolveWarmupSteps(0, t.WarmupRatio, t.TotalTrainingSteps ?? throw TotalNeeded(p)),
                         "warmup_steps")
                         : p.Integer("warmup_num_steps")) ?? 1000;
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
            minLr = filler.Double(p, "warmup_min_lr", _ => 0.0, "warmup_min_lr", mustMatch: false) ?? 0.0;
            maxLr = filler.Double(p, "warmup_max_lr", t => t.LearningRate, "learning_rate") ?? optimizerLr;
        }
        p.CheckUnknownKeys(strict: true);
        return new SchedulerConfig(type, minLr, maxLr, warmup, warmupType, total, minRatio, cosMinRatio);
    }

    private static DeepSpeedConfigException TotalNeeded(ConfigSection p) =>
        p.Error("total_num_steps", "(or a warm-up ratio) needs the run's number of optimizer steps to fill \"auto\", " +
                "and the trainer did not give it");
}
