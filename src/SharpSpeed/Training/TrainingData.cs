using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Cache;
using SharpSpeed.Data.Oasst;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Sampling;

namespace SharpSpeed.Training;

/// <summary>
/// The run's view of its data set: tokenized splits from the token cache (rank 0 builds it, the others wait and
/// map it), this rank's shard of each epoch as micro-batches, and their collation (padded, or packed into
/// rows of max_seq_length).
/// </summary>
public sealed class TrainingData : IDisposable
{
    private readonly PreparedDataset _prepared;
    private readonly bool _packing;
    private readonly int _maxSeqLength;

    /// <summary>This rank's shuffled shard of <paramref name="prepared"/>'s training split in micro-batches; takes ownership of it.</summary>
    internal TrainingData(
        PreparedDataset prepared, int microBatchSize, int rank, int worldSize, long seed, bool packing, int maxSeqLength)
    {
        _prepared = prepared;
        var sampler = new DistributedSampler(prepared.Train.Count, worldSize, rank, shuffle: true, seed: seed);
        Sampler = new DistributedBatchSampler(sampler, microBatchSize);
        _packing = packing;
        _maxSeqLength = maxSeqLength;
    }

    public DistributedBatchSampler Sampler { get; }

    public TokenCacheFile Train => _prepared.Train;

    public TokenCacheFile? Validation => _prepared.Validation;

    public PreparedDataset Prepared => _prepared;

    public int PadId => _prepared.PadId;

    public static TrainingData Load(
        TrainingArguments args, string tokenizerPath, int microBatchSize, int rank, int worldSize, Action<string> log)
    {
        var options = new PrepareOptions(args.Dataset ?? DatasetLocator.BundledSampleName, tokenizerPath)
        {
            MaxSeqLength = args.MaxSeqLength,
            ChatTemplate = args.ChatTemplate,
            TrainOnPrompt = args.TrainOnPrompt,
            Rank = rank,
            Reading = new DatasetOptions
            {
                Oasst = new OasstThreadOptions(OasstThreadOptions.ParseLanguages(args.DatasetLang), args.TopK),
                SkipInvalidRecords = args.SkipInvalidRecords,
            },
        };
        var prepared = DatasetPreparer.Prepare(options, log);
        if (prepared.Train.Count == 0)
        {
            prepared.Dispose();
            throw new InvalidDataException($"data set '{options.Dataset}' has no training examples after filtering and tokenization");
        }
        return new TrainingData(prepared, microBatchSize, rank, worldSize, args.Seed, args.Packing, args.MaxSeqLength);
    }

    /// <summary>The examples behind <paramref name="indices"/> as one batch for the model.</summary>
    public CollatedBatch Collate(TokenCacheFile split, IReadOnlyList<int> indices)
    {
        var examples = indices.Select(i => split[i]).ToList();
        if (!_packing)
        {
            return Collator.Pad(examples, PadId);
        }
        var rows = BestFitDecreasingPacker.Pack(examples.Select(e => e.Length).ToList(), _maxSeqLength);
        return Collator.Pack(rows.Select(row => (IReadOnlyList<TokenizedExample>)row.Select(i => examples[i]).ToList()).ToList(), PadId);
    }

    public void Dispose() => _prepared.Dispose();
}
