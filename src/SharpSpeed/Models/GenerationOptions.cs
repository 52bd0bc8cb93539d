namespace SharpSpeed.Models;

/// <summary>
/// How <see cref="TextGenerator"/> picks tokens, with HF <c>generate</c>'s meaning: temperature 0 is greedy;
/// otherwise logits are divided by the temperature, cut to the <see cref="TopK"/> best (0 = no cut) and to the
/// smallest set whose probability reaches <see cref="TopP"/> (1 = no cut), then sampled with a generator seeded
/// by <see cref="Seed"/>.
/// </summary>
public sealed record GenerationOptions
{
    public int MaxNewTokens { get; init; } = 64;
    public double Temperature { get; init; } = 1.0;
    public int TopK { get; init; }
    public double TopP { get; init; } = 1.0;
    public long Seed { get; init; } = 42;
    /// <summary>Generation stops after emitting any of these ids (the id is kept in the output, as HF does).</summary>
    public IReadOnlyCollection<int> EosTokenIds { get; init; } = [];

    public void Validate()
    {
        if (MaxNewTokens < 0)
        {
            throw new ArgumentException($"max_new_tokens must be >= 0, got {MaxNewTokens}");
        }
        if (Temperature < 0 || double.IsNaN(Temperature))
        {
            throw new ArgumentException($"temperature must be >= 0, got {Temperature}");
        }
        if (TopK < 0)
        {
            throw new ArgumentException($"top_k must be >= 0, got {TopK}");
        }
        if (!(TopP > 0 && TopP <= 1))
        {
            throw new ArgumentException($"top_p must be in (0, 1], got {TopP}");
        }
    }
}
