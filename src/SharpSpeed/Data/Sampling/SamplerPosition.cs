namespace SharpSpeed.Data.Sampling;

/// <summary>Where training stands in the data: the epoch and the number of batches of it already consumed.</summary>
public readonly record struct SamplerPosition(int Epoch, int Step);
