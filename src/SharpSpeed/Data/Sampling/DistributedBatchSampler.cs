namespace SharpSpeed.Data.Sampling;

/// <summary>
/// Batches of a rank's <see cref="DistributedSampler"/> shard. Every rank has the same shard length, so every rank
/// sees the same <see cref="BatchesPerEpoch"/> (collectives stay in step); the last batch may be short, as
/// DataLoader(drop_last=False) has it. A resumed epoch starts at its step; later epochs start at 0.
/// </summary>
public sealed class DistributedBatchSampler
{
    public DistributedBatchSampler(DistributedSampler sampler, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Sampler = sampler;
        BatchSize = batchSize;
        BatchesPerEpoch = (sampler.SamplesPerRank + batchSize - 1) / batchSize;
    }

    public DistributedSampler Sampler { get; }

    public int BatchSize { get; }

    public int BatchesPerEpoch { get; }

    /// <summary>The batches of one epoch from <paramref name="startStep"/> on, each with its step number.</summary>
    public IEnumerable<(int Step, int[] Indices)> Epoch(int epoch, int startStep = 0)
    {
        if (startStep < 0 || startStep > BatchesPerEpoch)
        {
            throw new ArgumentOutOfRangeException(nameof(startStep), startStep,
                $"resume step must be in [0, {BatchesPerEpoch}] for epoch {epoch}");
        }
        var indices = Sampler.Indices(epoch);
        for (var step = startStep; step < BatchesPerEpoch; step++)
        {
            var start = step * BatchSize;
            var length = Math.Min(BatchSize, indices.Length - start);
            yield return (step, indices.AsSpan(start, length).ToArray());
        }
    }
}
