namespace SharpSpeed.Data.Sampling;

/// <summary>
/// Batches of a rank's <see cref="DistributedSampler"/> shard. Every rank has the same shard length, so every rank
/// sees the same <see cref="BatchesPerEpoch"/> (collectives stay in step). With dropLastBatch a short final batch is
/// dropped, as DataLoader(drop_last=True) does. <see cref="Batches"/> resumes from a (epoch, step) position: the
/// first <c>step</c> batches of that epoch are skipped, later epochs start at 0.
/// </summary>
public sealed class DistributedBatchSampler
{
    public DistributedBatchSampler(DistributedSampler sampler, int batchSize, bool dropLastBatch = false)
    {
        ArgumentNullException.ThrowIfNull(sampler);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        Sampler = sampler;
        BatchSize = batchSize;
        DropLastBatch = dropLastBatch;
        BatchesPerEpoch = dropLastBatch ? sampler.SamplesPerRank / batchSize : (sampler.SamplesPerRank + batchSize - 1) / batchSize;
        if (BatchesPerEpoch == 0)
        {
            throw new ArgumentException(
                $"batch size {batchSize} exceeds the {sampler.SamplesPerRank} samples per rank and the last batch is dropped",
                nameof(batchSize));
        }
    }

    public DistributedSampler Sampler { get; }

    public int BatchSize { get; }

    public bool DropLastBatch { get; }

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

    /// <summary>All batches from <paramref name="resumeFrom"/> through the end of epoch <paramref name="epochs"/> - 1.</summary>
    public IEnumerable<(SamplerPosition Position, int[] Indices)> Batches(int epochs, SamplerPosition resumeFrom = default)
    {
        for (var epoch = resumeFrom.Epoch; epoch < epochs; epoch++)
        {
            var start = epoch == resumeFrom.Epoch ? resumeFrom.Step : 0;
            foreach (var (step, indices) in Epoch(epoch, start))
            {
                yield return (new SamplerPosition(epoch, step), indices);
            }
        }
    }
}
