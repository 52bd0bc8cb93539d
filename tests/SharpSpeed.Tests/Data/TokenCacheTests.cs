using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Cache;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;

namespace SharpSpeed.Tests.Data;

public sealed class TokenCacheTests
{
    private static readonly string TokenizerDir = BundledAssets.Locate("tokenizers/deepseek-tiny");

    private const string Chat =
        """
        {"messages":[{"role":"user","content":"What is 2+3?"},{"role":"assistant","content":"5"}]}
        {"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"},{"role":"user","content":"And Italy?"},{"role":"assistant","content":"Rome"}]}
        {"messages":[{"role":"user","content":"一公里是多少米？"},{"role":"assistant","content":"1000米"}]}
        """;

    private static PrepareOptions Options(TempFolder dir, string data, int maxLength = 64) =>
        new(data, TokenizerDir) { MaxSeqLength = maxLength, CacheDirectory = Path.Combine(dir.Path, "cache") };

    [Fact]
    public void BuildThenReuse_ContentsEqualDirectEncoding()
    {
        using var dir = new TempFolder();
        var data = dir.Write("chat.jsonl", Chat);
        using (var first = DatasetPreparer.Prepare(Options(dir, data)))
        {
            Assert.Equal(TokenCacheOrigin.Built, first.Origin);
            Assert.Null(first.Validation);
        }
        using var second = DatasetPreparer.Prepare(Options(dir, data));
        Assert.Equal(TokenCacheOrigin.Reused, second.Origin);
        Assert.Equal(HfTokenizer.FromPath(TokenizerDir).PadId, second.PadId);

        var encoder = new SampleEncoder(HfTokenizer.FromPath(TokenizerDir), new DeepSeekChatTemplate(), 64);
        var samples = SharpSpeed.Data.Readers.DatasetLoader.Load(data, new()).Train;
        Assert.Equal(3, second.Train.Count);
        long tokens = 0, labels = 0;
        for (var i = 0; i < samples.Count; i++)
        {
            var direct = encoder.Encode(samples[i]).Example;
            Assert.Equal(direct.InputIds, second.Train[i].InputIds);
            Assert.Equal(direct.Labels, second.Train[i].Labels);
            tokens += direct.Length;
            labels += direct.LabelTokens;
        }
        Assert.Equal(new TokenCacheStats(3, 3, tokens, labels, 0, 0, 0), second.TrainStats);
    }

    [Fact]
    public void BundledSample_ParallelBuildEqualsSequentialEncoding()
    {
        using var dir = new TempFolder();
        using var prepared = DatasetPreparer.Prepare(Options(dir, "oasst1-sample", maxLength: 96));
        var samples = SharpSpeed.Data.Readers.DatasetLoader.Load(
            SharpSpeed.Data.Readers.DatasetLocator.Resolve("oasst1-sample"), new()).Train;
        var encoder = new SampleEncoder(HfTokenizer.FromPath(TokenizerDir), new DeepSeekChatTemplate(), 96);
        var kept = samples.Select(encoder.Encode).Where(e => e.Example.LabelTokens > 0).Select(e => e.Example).ToList();
        Assert.Equal(kept.Count, prepared.Train.Count);
        for (var i = 0; i < kept.Count; i++)
        {
            Assert.Equal(kept[i].InputIds, prepared.Train[i].InputIds);
            Assert.Equal(kept[i].Labels, prepared.Train[i].Labels);
        }
        Assert.Equal(60, prepared.Validation!.Count);
    }

    [Fact]
    public void ChangedDataOrSettings_MakeTheCacheStale()
    {
        using var dir = new TempFolder();
        var data = dir.Write("chat.jsonl", Chat);
        DatasetPreparer.Prepare(Options(dir, data)).Dispose();

        using (var shorter = DatasetPreparer.Prepare(Options(dir, data, maxLength: 8)))
        {
            Assert.Equal(TokenCacheOrigin.Built, shorter.Origin);
            Assert.True(shorter.TrainStats.Truncated > 0);
        }

        File.AppendAllText(data, "\n{\"messages\":[{\"role\":\"user\",\"content\":\"1+1?\"},{\"role\":\"assistant\",\"content\":\"2\"}]}\n");
        File.SetLastWriteTimeUtc(data, DateTime.UtcNow.AddMinutes(1));
        using var rebuilt = DatasetPreparer.Prepare(Options(dir, data, maxLength: 8));
        Assert.Equal(TokenCacheOrigin.Built, rebuilt.Origin);
        Assert.Equal(4, rebuilt.TrainStats.Threads);
    }

    [Theory]
    [InlineData("truncate", "torn")]
    [InlineData("flip", "corrupted: checksum mismatch")]
    [InlineData("garbage", "not a SharpSpeed token cache")]
    public void TornOrCorruptedCache_IsDetectedAndRebuilt(string damage, string expectedProblem)
    {
        using var dir = new TempFolder();
        var data = dir.Write("chat.jsonl", Chat);
        string path;
        TokenizedExample original;
        using (var first = DatasetPreparer.Prepare(Options(dir, data)))
        {
            path = first.Train.Path;
            original = first.Train[1];
        }
        var bytes = File.ReadAllBytes(path);
        switch (damage)
        {
            case "truncate":
                File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
                break;
            case "flip":
                bytes[20] ^= 0xFF;
                File.WriteAllBytes(path, bytes);
                break;
            default:
                File.WriteAllBytes(path, new byte[bytes.Length]);
                break;
        }
        Assert.Null(TokenCacheFile.TryOpen(path, out var problem));
        Assert.StartsWith(expectedProblem, problem);

        using var again = DatasetPreparer.Prepare(Options(dir, data));
        Assert.Equal(TokenCacheOrigin.Built, again.Origin);
        Assert.Equal(original.InputIds, again.Train[1].InputIds);
    }

    [Fact]
    public async Task OtherRanksWaitForRankZero()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "shared.sstc");
        var key = new TokenCacheKey(1, "data", "tok", "deepseek", 16, false, "all", "train");
        TokenizedExample[] examples = [new([1, 2, 3], [-100, 2, 3]), new([4, 5], [4, 5])];
        var waiting = Task.Run(() => TokenCache.GetOrBuild(path, key, rank: 1, _ => throw new InvalidOperationException("rank 1 must not build"),
            TimeSpan.FromSeconds(60)));
        await Task.Delay(300);
        var (built, origin) = TokenCache.GetOrBuild(path, key, rank: 0,
            p => TokenCacheWriter.Write(p, key, examples, 0, (n, t) => new TokenCacheStats(2, n, t, 4, 0, 0, 0)), TimeSpan.FromSeconds(60));
        using var _ = built;
        Assert.Equal(TokenCacheOrigin.Built, origin);
        var (seen, seenOrigin) = await waiting;
        using (seen)
        {
            Assert.Equal(TokenCacheOrigin.BuiltByRankZero, seenOrigin);
            Assert.Equal(examples[0].Labels, seen[0].Labels);
            Assert.Equal(examples[1].InputIds, seen[1].InputIds);
        }
    }

    [Fact]
    public void WaitingRankTimesOutWithAClearMessage()
    {
        using var dir = new TempFolder();
        var path = Path.Combine(dir.Path, "never.sstc");
        var key = new TokenCacheKey(1, "d", "t", "deepseek", 16, false, "all", "train");
        var error = Assert.Throws<TimeoutException>(() =>
            TokenCache.GetOrBuild(path, key, rank: 2, _ => { }, TimeSpan.FromMilliseconds(500)));
        Assert.Contains("rank 2", error.Message);
        Assert.Contains(path, error.Message);
    }
}
