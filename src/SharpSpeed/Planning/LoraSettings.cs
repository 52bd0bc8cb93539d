namespace SharpSpeed.Planning;

/// <summary>
/// LoRA as PEFT configures it: rank <see cref="Rank"/> adapters on the named linear modules (<c>all-linear</c> = every
/// linear of the decoder layers, PEFT's meaning: not the output head). Adapters are trained in fp32; the base is frozen.
/// </summary>
public sealed record LoraSettings
{
    public const string AllLinear = "all-linear";

    /// <summary>The decoder-layer linears of a LLaMA-family model, by the leaf names PEFT matches.</summary>
    public static IReadOnlyList<string> LinearModules { get; } =
        ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    public LoraSettings(int rank, IReadOnlyList<string> targetModules)
    {
        if (rank <= 0)
        {
            throw new ArgumentException($"--lora_r must be positive, got {rank}");
        }
        var unknown = targetModules.Where(m => m != AllLinear && !LinearModules.Contains(m)).ToList();
        if (unknown.Count > 0 || targetModules.Count == 0)
        {
            throw new ArgumentException(
                $"--lora_target_modules: unknown module '{string.Join(", ", unknown)}'; use {AllLinear} or some of {string.Join(", ", LinearModules)}");
        }
        Rank = rank;
        TargetModules = targetModules.Contains(AllLinear) ? LinearModules : [.. targetModules.Distinct()];
    }

    public int Rank { get; }

    /// <summary>Targeted leaf names, <c>all-linear</c> already expanded.</summary>
    public IReadOnlyList<string> TargetModules { get; }

    public bool Targets(string? linearModule) => linearModule is not null && TargetModules.Contains(linearModule);

    /// <summary>Parses a comma-separated <c>--lora_target_modules</c> value.</summary>
    public static LoraSettings Parse(int rank, string targetModules) =>
        new(rank, targetModules.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));
}
