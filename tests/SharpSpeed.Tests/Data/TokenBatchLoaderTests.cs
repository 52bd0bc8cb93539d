using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Cache;
using SharpSpeed.Data.Sampling;

namespace SharpSpeed.Tests.Data;

public sealed class TokenBatchLoaderTests
{
    private static TokenCacheFile Cache(TempFolder dir, int count)
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
        var key = new TokenCacheKey(1, "d", "t", "deepseek", 32, false, "all", "train");
        TokenCacheWriter.Write(path, key, examples, 0, (n, t) => new TokenCacheStats(count, n, t, t, 0, 0, 0));
        return TokenCacheFile.TryOpen(path, out var problem) ?? throw new InvalidOperationException(problem);
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
        using var cache = Cache(dir, 37);
        var seen = new HashSet<int>();
        var counts = new List<int>();
        for (var rank = 0; rank < 3; rank++)
        {
            var loader = new TokenBatchLoader(cache, new BatchLoaderOptions(4, 32, 0) { WorldSize = 3, Rank = rank, Packing = packing });
            var batches = 0;
            foreach (var (_, batch) in loader.Read(epochs: 1))
            {
                using (batch)
                {
                    if (packing)
                    {
                        Assert.Equal(32, batch.Columns);
                    }
                    seen.UnionWith(ExamplesIn(batch));
                    batches++;
                }
            }
            counts.Add(batches);
        }
        Assert.Equal(Enumerable.Range(0, 37), seen.Order());
        Assert.Single(counts.Distinct());
    }

    [Fact]
    public void ResumedLoaderYieldsTheSameBatches()
    {
        using var dir = new TempFolder();
        using var cache = Cache(dir, 40);
        var loader = new TokenBatchLoader(cache, new BatchLoaderOptions(3, 32, 0) { WorldSize = 2, Rank = 1, Packing = true });
        var all = loader.Read(2).Select(b => { using (b.Batch) { return (b.Position, Ids: b.Batch.InputIds.data<long>().ToArray()); } }).ToList();
        var resumed = loader.Read(2, new SamplerPosition(1, 1))
            .Select(b => { using (b.Batch) { return (b.Position, Ids: b.Batch.InputIds.data<long>().ToArray()); } }).ToList();
        var start = all.FindIndex(b => b.Position == new SamplerPosition(1, 1));
        Assert.Equal(all.Skip(start).Select(b => b.Position), resumed.Select(b => b.Position));
        Assert.Equal(all.Skip(start).SelectMany(b => b.Ids), resumed.SelectMany(b => b.Ids));
        Assert.True(loader.PackingEfficiency > 0.8);
    }
}
