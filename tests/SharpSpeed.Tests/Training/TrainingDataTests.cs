using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Cache;
using SharpSpeed.Tests.Data;
using SharpSpeed.Training;

namespace SharpSpeed.Tests.Training;

/// <summary>The run's micro-batches: each rank's shard of the token cache, collated padded or packed.</summary>
public sealed class TrainingDataTests
{
    private const int MaxSeqLength = 32;

    private static string WriteCache(TempFolder dir, int count)
    {
        var random = new Random(11);
        var examples = Enumerable.Range(0, count).Select(i =>
        {
            var length = random.Next(3, 30);
            // Token ids encode the example number so batches can be traced back.
            var ids = Enumerable.Range(0, length).Select(t => (i * 100) + t).ToArray();
            return new TokenizedExample(ids, ids);
        }).ToList();
        var path = Path.Combine(dir.Path, "c.sstc");
        var key = new TokenCacheKey(1, "d", "t", "deepseek", MaxSeqLength, false, "all", "train");
        TokenCacheWriter.Write(path, key, examples, 0, (n, t) => new TokenCacheStats(count, n, t, t, 0, 0, 0));
        return path;
    }

    private static PreparedDataset Prepared(string path)
    {
        var train = TokenCacheFile.TryOpen(path, out var problem) ?? throw new InvalidOperationException(problem);
        return new PreparedDataset(train, null, TokenCacheOrigin.Built, "deepseek", PadId: 0, TimeSpan.Zero);
    }

    private static HashSet<int> ExamplesIn(CollatedBatch batch) =>
        batch.InputIds.data<long>().ToArray().Where((id, i) => batch.AttentionMask.data<long>()[i] == 1)
            .Select(id => (int)(id / 100)).ToHashSet();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void RanksTogetherSeeEveryExampleWithEqualBatchCounts(bool packing)
    {
        using var dir = new TempFolder();
        var cache = WriteCache(dir, 37);
        var seen = new HashSet<int>();
        var counts = new List<int>();
        for (var rank = 0; rank < 3; rank++)
        {
            using var data = new TrainingData(Prepared(cache), microBatchSize: 4, rank, worldSize: 3, seed: 42, packing, MaxSeqLength);
            var batches = 0;
            foreach (var (_, indices) in data.Sampler.Epoch(0))
            {
                using var batch = data.Collate(data.Train, indices);
                Assert.InRange(batch.Columns, 1, MaxSeqLength);
                seen.UnionWith(ExamplesIn(batch));
                batches++;
            }
            counts.Add(batches);
        }
        Assert.Equal(Enumerable.Range(0, 37), seen.Order());
        Assert.Single(counts.Distinct());
    }
}
