namespace SharpSpeed.Models.Adapters;

/// <summary>
/// A LoRA adapter's shape and scaling, by PEFT's <c>LoraConfig</c> names: rank <see cref="R"/>, <see cref="Alpha"/>,
/// <see cref="Dropout"/> on the adapter's input, the linear modules it wraps (<see cref="TargetModules"/>: module names
/// such as <c>q_proj</c>, or <see cref="AllLinear"/>), and rank-stabilised scaling (alpha/√r instead of alpha/r).
/// </summary>
public sealed record LoraConfig
{
    /// <summary>PEFT's shorthand for every linear module except the output head.</summary>
    public const string AllLinear = "all-linear";

    public int R { get; init; } = 8;
    public double Alpha { get; init; } = 8;
    public double Dropout { get; init; }
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];
    public bool UseRslora { get; init; }

    /// <summary>Where the frozen base came from (PEFT writes it into adapter_config.json); null for the bundled random model.</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary>PEFT's scaling of B·A: alpha/r, or alpha/√r with rsLoRA.</summary>
    public double Scale => UseRslora ? Alpha / Math.Sqrt(R) : Alpha / R;

    /// <summary>Module names from a comma-separated list (<c>q_proj,v_proj</c>) or <c>all-linear</c>.</summary>
    public static IReadOnlyList<string> ParseTargets(string text) =>
        [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Distinct(StringComparer.Ordinal)];

    /// <summary>
    /// Whether the linear module at <paramref name="modulePath"/> (e.g. <c>model.layers.0.self_attn.q_proj</c>) gets an
    /// adapter: PEFT matches a target name against the whole path or its last dotted parts.
    /// </summary>
    public bool Targets(string modulePath)
    {
        if (TargetModules is [AllLinear])
        {
            return modulePath != "lm_head";
        }
        return TargetModules.Any(t => modulePath == t || modulePath.EndsWith("." + t, StringComparison.Ordinal));
    }

    /// <summary>One-line errors for values no adapter can use.</summary>
    public IEnumerable<string> Problems()
    {
        if (R < 1)
        {
            yield return $"--lora_r must be >= 1 (got {R})";
        }
        if (Dropout is < 0 or >= 1 || double.IsNaN(Dropout))
        {
            yield return $"--lora_dropout must be in [0, 1) (got {Dropout})";
        }
        if (TargetModules.Count == 0)
        {
            yield return "--lora_target_modules names no module: give e.g. q_proj,v_proj or all-linear";
        }
        if (TargetModules.Contains(AllLinear) && TargetModules.Count > 1)
        {
            yield return $"--lora_target_modules: '{AllLinear}' stands alone, not in a list";
        }
    }
}
