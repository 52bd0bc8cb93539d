namespace SharpSpeed.Planning;

/// <summary>One way to train: ZeRO stage, offloads, activation checkpointing, LoRA rank (null = full) and base bits.</summary>
public sealed record Recipe(
    int ZeroStage, bool OffloadOptimizer, bool OffloadParam, bool GradientCheckpointing, int? LoraR, int Bits)
{
    public OffloadMode Offload => OffloadParam ? OffloadMode.All : OffloadOptimizer ? OffloadMode.Optimizer : OffloadMode.None;

    public string Name
    {
        get
        {
            string method = LoraR is null ? "full" : Bits < 16 ? $"QLoRA r={LoraR} {Bits}-bit" : $"LoRA r={LoraR}";
            string offload = Offload switch
            {
                OffloadMode.None => "",
                OffloadMode.Optimizer => " + offload optimizer",
                _ => " + offload optimizer & params",
            };
            return $"{method}, ZeRO-{ZeroStage}{offload}{(GradientCheckpointing ? " + checkpointing" : "")}";
        }
    }
}

/// <summary>Step time by part (seconds per optimizer step), from <see cref="StepTimeModel"/>.</summary>
public sealed record StepTime(double Compute, double Communication, double Offload, double Optimizer)
{
    public double Total => Compute + Communication + Offload + Optimizer;
}

/// <summary>A recipe judged on a cluster: per-GPU bytes by formula, host bytes per node, the verdict and the step time.</summary>
public sealed record RecipeEstimate(
    Recipe Recipe, StageEstimate Memory, bool Fits, StepTime Step, double TokensPerSecond, string Formula)
{
    public double GpuBytes => Memory.GpuTotalBytes;

    public double HostBytesPerNode => Memory.CpuBytesPerNode;
}
