using SharpSpeed.Data.Cache;
using SharpSpeed.Data.Sampling;

namespace SharpSpeed.Data.Batching;

/// <summary>
/// The data loader of one rank: examples from a token cache, sharded and shuffled by
/// <see cref="DistributedSampler"/>, collated into int64 batches. Without packing, a batch is
/// <c>batchSize</c> examples padded to the longest. With packing, all examples are first packed into rows of
/// <c>maxSeqLength</c> by best-fit decreasing (the same rows on every rank: the packing is deterministic), the
/// sampler deals out rows, and a batch is <c>batchSize</c> rows of exactly <c>maxSeqLength</c> tokens.
/// </summary>
public sealed class TokenBatchLoader
{
    private readonly TokenCacheFile _data;
    private readonly List<List<int>>? _rows;
    private readonly int _padId;
    private readonly int _maxSeqLength;

    public TokenBatchLoader(TokenCacheFile data, BatchLoaderOptions options)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(options);
        if (data.Count == 0)
        {
            throw new InvalidDataException($"{data.Path}: the token cache holds no examples");
        }
        _data = data;
        _padId = options.PadId;
        _maxSeqLength = options.MaxSeqLength;
        var lengths = Enumerable.Range(0, data.Count).Select(data.Length).ToList();
        if (options.Packing)
        {
            _rows = BestFitDecreasingPacker.Pack(lengths, options.MaxSeqLength);
            PackingEfficiency = BestFitDecreasingPacker.Efficiency(lengths, _rows, options.MaxSeqLength);
        }
        var units = _rows?.Count ?? data.Count;
        Batches = new DistributedBatchSampler(
            new DistributedSampler(units, options.WorldSize, options.Rank, options.Shuffle, options.Seed),
            options.BatchSize, options.DropLastBatch);
    }

    public DistributedBatchSampler Batches { get; }

    public int BatchesPerEpoch => Batches.BatchesPerEpoch;

    /// <summary>Share of packed rows' slots filled with real tokens (null without packing).</summary>
    public double? PackingEfficiency { get; }

    /// <summary>Batches from <paramref name="resumeFrom"/> to the end of epoch <paramref name="epochs"/> - 1;
    /// the caller disposes each batch.</summary>
    public IEnumerable<(SamplerPosition Position, CollatedBatch Batch)> Read(int epochs, SamplerPosition resumeFrom = default)
    {
        foreach (var (position, indices) in Batches.Batches(epochs, resumeFrom))
        {
            yield return (position, Collate(indices));
        }
    }

    private CollatedBatch Collate(int[] indices)
    {
        if (_rows is null)
        {
            return Collator.Pad(indices.Select(i => _data[i]).ToList(), _padId);
        }
        var rows = indices.Select(r => (IReadOnlyList<TokenizedExample>)_rows[r].Select(i => _data[i]).ToList()).ToList();
        return Collator.Pack(rows, _padId, _maxSeqLength);
    }
}
