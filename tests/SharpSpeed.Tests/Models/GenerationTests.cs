using SharpSpeed.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models;

public sealed class GenerationTests(ITestOutputHelper output)
{
    private static readonly int[] Prompt = [0, 7, 21, 3, 15];

    [Theory]
    [InlineData(4, 4)]
    [InlineData(4, 2)]
    [InlineData(4, 1)]
    public void CachedLogitsEqualFullRecompute(int heads, int keyValueHeads)
    {
        var config = SmallModels.Gqa with { NumAttentionHeads = heads, NumKeyValueHeads = keyValueHeads };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 6);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var cache = new KvCache(config.NumHiddenLayers);
        long[] sequence = [0, 7, 21, 3, 15, 9, 30, 2, 11];
        const int promptLength = 5;
        var prefix = tensor(sequence[..promptLength]).unsqueeze(0);
        var cached = new List<Tensor> { model.Forward(prefix, cache: cache) };
        for (var t = promptLength; t < sequence.Length; t++)
        {
            cached.Add(model.Forward(tensor(new[] { sequence[t] }).unsqueeze(0), cache: cache));
        }
        Assert.Equal(sequence.Length, cache.Length);
        var full = model.Forward(tensor(sequence).unsqueeze(0));
        var diff = (cat(cached, 1) - full).abs().max().item<float>();
        output.WriteLine($"heads {heads}/{keyValueHeads}: KV cache vs full recompute max |diff| {diff:E2}");
        Assert.True(diff <= 1e-5, $"KV-cache logits differ from full recompute by {diff:E2}");
    }

    [Fact]
    public void GreedyFollowsTheArgmaxOfFullRecompute()
    {
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 8);
        var generated = TextGenerator.Generate(model, Prompt, new GenerationOptions { MaxNewTokens = 10, Temperature = 0 });
        Assert.Equal(10, generated.Length);

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var sequence = Prompt.Select(id => (long)id).ToList();
        for (var step = 0; step < 10; step++)
        {
            var logits = model.Forward(tensor(sequence.ToArray()).unsqueeze(0));
            sequence.Add(logits[0, -1].argmax().item<long>());
        }
        Assert.Equal(sequence.Skip(Prompt.Length).Select(id => (int)id), generated);
    }

    [Fact]
    public void GenerationStopsAtEos()
    {
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 8);
        var greedy = TextGenerator.Generate(model, Prompt, new GenerationOptions { MaxNewTokens = 10, Temperature = 0 });
        var stop = greedy[3];
        var firstStop = Array.IndexOf(greedy, stop);
        var stopped = TextGenerator.Generate(
            model, Prompt, new GenerationOptions { MaxNewTokens = 10, Temperature = 0, EosTokenIds = [stop] });
        Assert.Equal(greedy[..(firstStop + 1)], stopped);
    }

    [Fact]
    public void SamplingIsReproducibleBySeedAndTopKOneIsGreedy()
    {
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 8);
        var options = new GenerationOptions { MaxNewTokens = 20, Temperature = 2.0, Seed = 5 };
        var first = TextGenerator.Generate(model, Prompt, options);
        Assert.Equal(first, TextGenerator.Generate(model, Prompt, options));
        Assert.NotEqual(first, TextGenerator.Generate(model, Prompt, options with { Seed = 6 }));
        Assert.Equal(
            TextGenerator.Generate(model, Prompt, options with { Temperature = 0 }),
            TextGenerator.Generate(model, Prompt, options with { TopK = 1 }));
    }

    [Theory]
    [InlineData(0, 0.7, new[] { 0, 1 })]
    [InlineData(0, 0.5, new[] { 0 })]
    [InlineData(0, 0.81, new[] { 0, 1, 2 })]
    [InlineData(3, 1.0, new[] { 0, 1, 2 })]
    [InlineData(2, 0.9, new[] { 0, 1 })]
    public void TopKAndTopPKeepExactlyTheExpectedTokens(int topK, double topP, int[] allowed)
    {
        // Probabilities 0.5, 0.3, 0.15, 0.05 (shuffled): top-p keeps the smallest prefix reaching p.
        var probabilities = new[] { 0.15, 0.5, 0.05, 0.3 };
        var rank = new Dictionary<int, int> { [1] = 0, [3] = 1, [0] = 2, [2] = 3 };
        using var logits = tensor(probabilities.Select(p => Math.Log(p)).ToArray()).to(ScalarType.Float32);
        using var sampler = new TokenSampler(new GenerationOptions { TopK = topK, TopP = topP, Seed = 1 });
        var seen = new HashSet<int>();
        for (var i = 0; i < 300; i++)
        {
            seen.Add(rank[sampler.Next(logits)]);
        }
        Assert.Equal(allowed, seen.Order());
    }

    [Fact]
    public void BadOptionsAndPromptsAreRejected()
    {
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 8);
        Assert.Contains("top_p", Assert.Throws<ArgumentException>(
            () => TextGenerator.Generate(model, Prompt, new GenerationOptions { TopP = 0 })).Message);
        Assert.Contains("token id 40", Assert.Throws<ArgumentException>(
            () => TextGenerator.Generate(model, [0, 40], new GenerationOptions())).Message);
    }
}
