using System.Text.RegularExpressions;

namespace SharpSpeed.Engine.Optim;

/// <summary>
/// Which parameters get weight decay. HF Trainer (get_decay_parameter_names) excludes biases and normalisation weights
/// by matching the lower-cased full parameter name against "bias", "layernorm", "rmsnorm", a ".norm." path component
/// and a "_norm" suffix; it also excludes children of nn.LayerNorm by type, which for LLaMA-family names the patterns cover.
/// </summary>
public static partial class WeightDecayRule
{
    public static bool HuggingFaceDecays(string parameterName)
    {
        ArgumentNullException.ThrowIfNull(parameterName);
        return !NoDecayPattern().IsMatch(parameterName.ToLowerInvariant());
    }

    [GeneratedRegex(@"bias|layernorm|rmsnorm|(?:^|\.)norm(?:$|\.)|_norm(?:$|\.)", RegexOptions.CultureInvariant)]
    private static partial Regex NoDecayPattern();
}
