namespace SharpSpeed.Engine.Schedules;

/// <summary>HF's <c>--lr_scheduler_type</c> values that SharpSpeed runs.</summary>
public enum HfSchedulerType
{
    Linear,
    Cosine,
    Constant,
    ConstantWithWarmup,
}

/// <summary>
/// HF transformers' schedules (optimization.py): LambdaLR factors of the base rate, where the factor of optimizer step
/// k (0-based) is lambda(k). Warm-up rises linearly from 0; linear decays to 0 at <see cref="TotalSteps"/>; cosine follows
/// half a cosine period (num_cycles 0.5) to 0.
/// </summary>
public sealed record HuggingFaceSchedule(HfSchedulerType Type, double BaseLearningRate, long WarmupSteps, long TotalSteps)
    : ILearningRateSchedule
{
    private static readonly Dictionary<string, HfSchedulerType> Names = new(StringComparer.Ordinal)
    {
        ["linear"] = HfSchedulerType.Linear,
        ["cosine"] = HfSchedulerType.Cosine,
        ["constant"] = HfSchedulerType.Constant,
        ["constant_with_warmup"] = HfSchedulerType.ConstantWithWarmup,
    };

    private static readonly string[] KnownButNotImplemented =
    [
        "cosine_with_restarts", "polynomial", "inverse_sqrt", "reduce_lr_on_plateau", "cosine_with_min_lr",
        "cosine_warmup_with_min_lr", "warmup_stable_decay",
    ];

    /// <summary>HF's TrainingArguments.get_warmup_steps: warmup_steps when positive, else ceil(total * warmup_ratio).</summary>
    public static long ResolveWarmupSteps(long warmupSteps, double warmupRatio, long totalSteps) =>
        warmupSteps > 0 ? warmupSteps : (long)Math.Ceiling(totalSteps * warmupRatio);

    /// <summary>Parses an HF scheduler name (e.g. "linear", "constant_with_warmup").</summary>
    public static HfSchedulerType ParseType(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (Names.TryGetValue(name, out var type))
        {
            return type;
        }
        throw new ArgumentException(KnownButNotImplemented.Contains(name)
            ? $"--lr_scheduler_type {name} is an HF schedule SharpSpeed knows but does not implement yet; use linear, cosine, constant or constant_with_warmup"
            : $"--lr_scheduler_type {name} is not an HF schedule; use linear, cosine, constant or constant_with_warmup");
    }

    public double LearningRate(long appliedSteps) => BaseLearningRate * Factor(appliedSteps);

    /// <summary>The LambdaLR factor lambda(step).</summary>
    public double Factor(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (Type == HfSchedulerType.Constant)
        {
            return 1.0;
        }
        if (step < WarmupSteps)
        {
            return (double)step / Math.Max(1, WarmupSteps);
        }
        var decaySteps = (double)Math.Max(1, TotalSteps - WarmupSteps);
        return Type switch
        {
            HfSchedulerType.ConstantWithWarmup => 1.0,
            HfSchedulerType.Linear => Math.Max(0.0, (TotalSteps - step) / decaySteps),
            HfSchedulerType.Cosine => Math.Max(0.0, 0.5 * (1.0 + Math.Cos(Math.PI * 0.5 * 2.0 * ((step - WarmupSteps) / decaySteps)))),
            _ => throw new InvalidOperationException($"unhandled schedule {Type}"),
        };
    }
}
