using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Optim;

public sealed class FlatAdamWTests
{
    private static readonly (string Name, long[] Shape)[] Parameters =
    [
        ("model.embed_tokens.weight", [7, 4]),
        ("model.layers.0.self_attn.q_proj.weight", [4, 4]),
        ("model.layers.0.input_layernorm.weight", [4]),
        ("model.layers.0.mlp.up_proj.bias", [5]),
        ("model.norm.weight", [4]),
        ("lm_head.weight", [7, 4]),
    ];

    [Fact]
    public void MatchesTorchSharpAdamWWithDecayOnlyWhereHfPutsIt()
    {
        using var scope = NewDisposeScope();
        const double weightDecay = 0.1, beta1 = 0.9, beta2 = 0.999, eps = 1e-8;
        var reference = Parameters.Select((p, i) => (p.Name, Value: new Parameter(Deterministic.Randn(i, p.Shape))))
            .ToDictionary(p => p.Name, p => p.Value);
        var decayed = Parameters.Where(p => WeightDecayRule.HuggingFaceDecays(p.Name)).Select(p => reference[p.Name]).ToList();
        var notDecayed = Parameters.Where(p => !WeightDecayRule.HuggingFaceDecays(p.Name)).Select(p => reference[p.Name]).ToList();
        Assert.Equal(3, decayed.Count);
        var torchAdamW = new AdamW(
        [
            new AdamW.ParamGroup(decayed, lr: 1e-2, beta1: beta1, beta2: beta2, eps: eps, weight_decay: weightDecay),
            new AdamW.ParamGroup(notDecayed, lr: 1e-2, beta1: beta1, beta2: beta2, eps: eps, weight_decay: 0),
        ]);

        // The same update four ways: whole buffer on one process, two ZeRO-style partitions (their chunks of every
        // block), and the fused host optimizer on the whole buffer.
        var layout = FlatLayout.Create(Parameters, partitions: 2, alignment: 4, blockElements: 16);
        using var master = new FlatBuffer(layout, ScalarType.Float32);
        using var grads = new FlatBuffer(layout, ScalarType.Float32);
        using var shardedMaster = new FlatBuffer(layout, ScalarType.Float32);
        using var hostMaster = new FlatBuffer(layout, ScalarType.Float32);
        foreach (var (name, _) in Parameters)
        {
            master.View(name).copy_(reference[name]);
            shardedMaster.View(name).copy_(reference[name]);
            hostMaster.View(name).copy_(reference[name]);
        }
        var options = new AdamWOptions(beta1, beta2, eps, weightDecay);
        using var whole = new FlatAdamW(OptimizerRange.Whole(layout, WeightDecayRule.HuggingFaceDecays), options);
        using var host = new CpuAdamW(OptimizerRange.Whole(layout, WeightDecayRule.HuggingFaceDecays), options, threads: 2);
        var shards = Enumerable.Range(0, 2)
            .Select(rank => (Rank: rank, Optimizer: new FlatAdamW(OptimizerRange.Partition(layout, rank, WeightDecayRule.HuggingFaceDecays), options),
                Master: Own(layout, rank, shardedMaster.Data), Gradient: zeros(layout.PartitionSize)))
            .ToList();

        for (var step = 0; step < 20; step++)
        {
            var lr = 1e-2 * (step + 1) / 20.0;
            for (var i = 0; i < Parameters.Length; i++)
            {
                var (name, shape) = Parameters[i];
                var gradient = Deterministic.Randn(100 * (step + 1) + i, shape);
                reference[name].grad = gradient.clone();
                grads.View(name).copy_(gradient);
            }
            foreach (var group in torchAdamW.ParamGroups)
            {
                group.LearningRate = lr;
            }
            torchAdamW.step();
            whole.Update(master.Data, grads.Data, lr);
            host.Update(hostMaster.Data, grads.Data, lr);
            foreach (var shard in shards)
            {
                shard.Gradient.copy_(Own(layout, shard.Rank, grads.Data));
                shard.Optimizer.Update(shard.Master, shard.Gradient, lr);
            }
        }
        foreach (var shard in shards)
        {
            foreach (var chunk in layout.OwnedChunks(shard.Rank))
            {
                shardedMaster.Slice(chunk.Flat).copy_(shard.Master.narrow(0, chunk.PartitionOffset, chunk.Flat.Length));
            }
            shard.Optimizer.Dispose();
        }

        foreach (var (name, _) in Parameters)
        {
            var expected = reference[name].detach();
            Assert.True(master.View(name).sub(expected).abs().max().item<float>() <= 1e-6, $"{name} (whole buffer)");
            Assert.True(shardedMaster.View(name).sub(expected).abs().max().item<float>() <= 1e-6, $"{name} (shards)");
            Assert.True(hostMaster.View(name).sub(expected).abs().max().item<float>() <= 1e-6, $"{name} (CPU Adam)");
        }
        Assert.Equal(20, whole.StepCount);
        Assert.Equal(20, host.StepCount);
        // Padding never moves.
        var padding = master.Data.abs().sum().item<float>() - layout.Segments.Sum(s => master.View(s).abs().sum().item<float>());
        Assert.Equal(0f, padding, 3);
    }

    [Fact]
    public void CpuAdamMatchesTheDeviceOptimizerOverAPartitionLargerThanOneWorkItemWithL2Decay()
    {
        // 200k elements: several work items for the threads, SIMD tails at run boundaries, Adam's L2 form (adam_w_mode false).
        using var scope = NewDisposeScope();
        var layout = FlatLayout.Create([("a.weight", [300, 333]), ("a.bias", [333]), ("b.weight", [101, 1000])], partitions: 1, alignment: 16);
        var options = new AdamWOptions(0.9, 0.99, 1e-6, WeightDecay: 0.01, DecoupledWeightDecay: false);
        var range = OptimizerRange.Whole(layout, WeightDecayRule.HuggingFaceDecays);
        using var device = new FlatAdamW(range, options);
        using var host = new CpuAdamW(range, options, threads: 2);
        var a = Deterministic.Randn(7, [layout.TotalElements]);
        var b = a.clone();
        for (var step = 0; step < 5; step++)
        {
            var gradient = Deterministic.Randn(50 + step, [layout.TotalElements]);
            device.Update(a, gradient, 1e-3);
            host.Update(b, gradient, 1e-3);
        }
        Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-7), $"max |diff| {a.sub(b).abs().max().item<float>():E2}");
        Assert.True(device.ExpAvgSq.allclose(host.ExpAvgSq, rtol: 1e-5, atol: 1e-12));
    }

    private static Tensor Own(FlatLayout layout, int rank, Tensor flat) =>
        cat(layout.OwnedChunks(rank).Select(c => flat.narrow(0, c.Flat.Start, c.Flat.Length)).ToList());

    [Fact]
    public void DecayActuallyDiffersFromNoDecay()
    {
        // Guards the parity test: with zero gradients only decoupled decay moves a parameter, by (1 - lr*wd) per step.
        using var scope = NewDisposeScope();
        var layout = FlatLayout.Create([("w", [3]), ("b", [3])]);
        using var weights = new FlatBuffer(layout, ScalarType.Float32);
        using var one = 1f.ToScalar();
        weights.Data.fill_(one);
        using var gradients = new FlatBuffer(layout, ScalarType.Float32);
        var range = OptimizerRange.Whole(layout, name => name == "w");
        using var optimizer = new FlatAdamW(range, new AdamWOptions(WeightDecay: 0.5));
        optimizer.Update(weights.Data, gradients.Data, learningRate: 0.1);
        Assert.Equal(new[] { 0.95f, 0.95f, 0.95f, 1f, 1f, 1f }, weights.Data.data<float>().ToArray());
        weights.Data.fill_(one);
        using var host = new CpuAdamW(range, new AdamWOptions(WeightDecay: 0.5));
        host.Update(weights.Data, gradients.Data, learningRate: 0.1);
        Assert.Equal(new[] { 0.95f, 0.95f, 0.95f, 1f, 1f, 1f }, weights.Data.data<float>().ToArray());
    }

    [Theory]
    [InlineData("model.embed_tokens.weight", true)]
    [InlineData("model.layers.3.self_attn.o_proj.weight", true)]
    [InlineData("lm_head.weight", true)]
    [InlineData("model.layers.3.input_layernorm.weight", false)]
    [InlineData("model.layers.3.post_attention_layernorm.weight", false)]
    [InlineData("model.norm.weight", false)]
    [InlineData("model.layers.0.self_attn.q_norm.weight", false)]
    [InlineData("model.layers.0.self_attn.q_proj.bias", false)]
    [InlineData("encoder.LayerNorm.weight", false)]
    public void HfRuleExcludesBiasesAndNorms(string name, bool decays)
    {
        Assert.Equal(decays, WeightDecayRule.HuggingFaceDecays(name));
    }

    [Fact]
    public void OperandsOfTheWrongRangeAreRefused()
    {
        var layout = FlatLayout.Create([("w", [4])], partitions: 2);
        using var optimizer = new FlatAdamW(OptimizerRange.Partition(layout, 1, _ => true), new AdamWOptions());
        using var whole = zeros(4);
        var error = Assert.Throws<ArgumentException>(() => optimizer.Update(whole, whole, 0.1));
        Assert.StartsWith("parameters must be a 1-D float32 tensor of 2 elements", error.Message);
        using var host = new CpuAdamW(OptimizerRange.Partition(layout, 1, _ => true), new AdamWOptions());
        Assert.Throws<ArgumentException>(() => host.Update(whole, whole, 0.1));
    }
}
