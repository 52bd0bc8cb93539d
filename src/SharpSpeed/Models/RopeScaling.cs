namespace SharpSpeed.Models;

/// <summary>
/// The <c>rope_scaling</c> block of an HF config. <c>linear</c> divides every rotary frequency by
/// <see cref="Factor"/>; <c>llama3</c> divides only the low frequencies and blends the middle band
/// (Llama 3.1's long-context recipe), which needs the other three fields.
/// </summary>
public sealed record RopeScaling(
    string Type,
    double Factor,
    double LowFreqFactor = 1.0,
    double HighFreqFactor = 4.0,
    int OriginalMaxPositionEmbeddings = 8192)
{
    public const string Linear = "linear";
    public const string Llama3 = "llama3";
}
