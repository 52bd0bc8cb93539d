using SharpSpeed.Data.Batching;

namespace SharpSpeed.Data.Templates;

/// <summary>A sample's tokens and labels, and whether truncation to max_seq_length cut it.</summary>
public sealed record EncodedSample(TokenizedExample Example, bool Truncated);
