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

        // The same update three ways: whole buffer on one process, and two ZeRO-style shards.
        var layout = FlatLayout.Create(Parameters, partitions: 2, alignment: 4);
        using var master = new FlatBuffer(layout, ScalarType.Float32);
        using var grads = new FlatBuffer(layout, ScalarType.Float32);
        using var shardedMaster = new FlatBuffer(layout, ScalarType.Float32);
        foreach (var (name, _) in Parameters)
        {
            master.View(name).copy_(reference[name]);
            shardedMaster.View(name).copy_(reference[name]);
        }
        var options = new AdamWOptions(beta1, beta2, eps, weightDecay);
        using var whole = new FlatAdamW(layout, layout.Whole, options, WeightDecayRule.HuggingFaceDecays);
        using var shard0 = new FlatAdamW(layout, layout.Partition(0), options, WeightDecayRule.HuggingFaceDecays);
        using var shard1 = new FlatAdamW(layout, layout.Partition(1), options, WeightDecayRule.HuggingFaceDecays);

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
            whole.Step(master.Data, grads.Data, lr);
            foreach (var shard in new[] { shard0, shard1 })
            {
                shard.Step(shardedMaster.Slice(shard.Range), grads.Slice(shard.Range), lr);
            }
        }

        foreach (var (name, _) in Parameters)
        {
            var expected = reference[name].detach();
            Assert.True(master.View(name).sub(expected).abs().max().item<float>() <= 1e-6, $"{name} (whole buffer)");
            Assert.True(shardedMaster.View(name).sub(expected).abs().max().item<float>() <= 1e-6, $"{name} (shards)");
        }
        Assert.Equal(20, whole.StepCount);
        // Padding never moves.
        var padding = master.Data.abs().sum().item<float>() - layout.Segments.Sum(s => master.View(s).abs().sum().item<float>());
        Assert.Equal(0f, padding, 3);
    }

    [Fact]
    public void DecayActuallyDiffersFromNoDecay()
    {
        // Guards the parity test: with zero gradients only decoupled decay moves a parameter, by (1 - lr*wd) per step.
        using var scope = NewDisposeScope();
        var layout = FlatLayout.Create([("w", [3]), ("b", [3])]);
        using var weights = new FlatBuffer(layout, ScalarType.Float32);
        weights.Data.fill_(1f);
        using var gradients = new FlatBuffer(layout, ScalarType.Float32);
        using var optimizer = new FlatAdamW(layout, layout.Whole, new AdamWOptions(WeightDecay: 0.5), name => name == "w");
        optimizer.Step(weights.Data, gradients.Data, learningRate: 0.1);
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
        using var optimizer = new FlatAdamW(layout, layout.Partition(1), new AdamWOptions(), _ => true);
        using var whole = zeros(4);
        var error = Assert.Throws<ArgumentException>(() => optimizer.Step(whole, whole, 0.1));
        Assert.StartsWith("parameters must be a 1-D float32 tensor of 2 elements", error.Message);
    }
}
