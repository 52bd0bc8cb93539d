namespace SharpSpeed.Data.Batching;

/// <summary>
/// One tokenized training example: token ids and, per token, the label (the same id where the model learns the
/// token, <see cref="IgnoreIndex"/> where it does not; the model shifts labels itself, as HF does).
/// </summary>
public sealed record TokenizedExample(int[] InputIds, int[] Labels)
{
    /// <summary>The label that cross-entropy ignores (PyTorch's and HF's -100).</summary>
    public const int IgnoreIndex = -100;

    public int Length => InputIds.Length;

    /// <summary>Tokens that carry a label.</summary>
    public int LabelTokens => Labels.Count(l => l != IgnoreIndex);
}
