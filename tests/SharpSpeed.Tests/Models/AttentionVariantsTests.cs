using SharpSpeed.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models;

public sealed class AttentionVariantsTests(ITestOutputHelper output)
{
    [Fact]
    public void SlidingWindowSeesOnlyTheLastWindowOfTokens()
    {
        // One layer, window 3: RoPE scores depend only on relative positions, so the logits at position t must
        // equal the last logits of the model run on tokens t-2..t alone.
        var config = SmallModels.Gqa with { ModelType = "mistral", NumHiddenLayers = 1, SlidingWindow = 3 };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 12);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = tensor(new long[] { 4, 9, 17, 2, 33, 8, 21, 5 }).unsqueeze(0);
        var full = model.Forward(ids);
        var maxDiff = 0f;
        for (var t = 2; t < 8; t++)
        {
            var alone = model.Forward(ids.narrow(1, t - 2, 3))[0, -1];
            maxDiff = Math.Max(maxDiff, (full[0, t] - alone).abs().max().item<float>());
        }
        output.WriteLine($"sliding window: max |diff| {maxDiff:E2}");
        Assert.True(maxDiff <= 1e-5, $"sliding window: {maxDiff:E2}");
        using var global = LlamaForCausalLM.CreateRandom(config with { SlidingWindow = null }, seed: 12);
        Assert.True((global.Forward(ids) - full).abs().max().item<float>() > 1e-3, "the window must change late positions");
    }

    [Fact]
    public void CheckpointedLayerMatchesTheLayerAndRethrowsRecomputeFailures()
    {
        var config = SmallModels.Gqa;
        using var weights = new RandomWeights(0.3, seed: 4);
        using var layer = new LlamaDecoderLayer("model.layers.0", 0, config, weights, new ParameterSeam());
        using var rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling);
        using var scope = NewDisposeScope();
        var (cos, signedSin) = rotary.Tables(AttentionMasks.Positions(0, 6, CPU).unsqueeze(0), ScalarType.Float32);
        var inputs = new AttentionInputs(cos, signedSin, Mask: null, IsCausal: true, Cache: null);
        var start = randn(1, 6, config.HiddenSize);

        var direct = start.clone().requires_grad_(true);
        using var directOut = layer.Forward(direct, inputs);
        directOut.mul(directOut).sum().backward();
        var viaCheckpoint = start.clone().requires_grad_(true);
        var failures = new BackwardFailures();
        using var checkpointOut = ActivationCheckpoint.Run(layer, viaCheckpoint, inputs, failures);
        failures.Backward(checkpointOut.mul(checkpointOut).sum());
        Assert.True(direct.grad!.eq(viaCheckpoint.grad!).all().item<bool>());

        // A recomputation that fails (its rotary table is gone) surfaces as an exception, not a process abort.
        var failing = start.clone().requires_grad_(true);
        var loss = ActivationCheckpoint.Run(layer, failing, inputs, failures).sum();
        cos.Dispose();
        Assert.ThrowsAny<Exception>(() => failures.Backward(loss));
    }
}
