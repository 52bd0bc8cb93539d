using SharpSpeed.IO;
using SharpSpeed.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models;

public sealed class LlamaModelTests(ITestOutputHelper output)
{
    private static Tensor RandomIds(long batch, long length, long seed, long vocab = 40)
    {
        using var generator = new Generator((ulong)seed);
        return randint(0, vocab, [batch, length], generator: generator);
    }

    private static float MaxDiff(Tensor a, Tensor b) => (a - b).abs().max().item<float>();

    private static bool Identical(Tensor a, Tensor b) =>
        a.shape.SequenceEqual(b.shape) && a.dtype == b.dtype && a.eq(b).all().item<bool>();

    [Fact]
    public void StateDictNamesAreHfNames()
    {
        var fixture = Path.Combine(ModelFixtures.Directory, "mha.safetensors");
        var hfNames = StateDictFiles.Load(fixture).Keys.Order(StringComparer.Ordinal).ToArray();
        var config = ModelFixtures.Config((System.Text.Json.Nodes.JsonObject)ModelFixtures.Expected["cases"]!["mha"]!);
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 1);
        Assert.Equal(hfNames, model.state_dict().Keys.Order(StringComparer.Ordinal).ToArray());

        using var tied = LlamaForCausalLM.CreateRandom(config with { TieWordEmbeddings = true }, seed: 1);
        Assert.DoesNotContain("lm_head.weight", tied.state_dict().Keys);
        Assert.Equal(config.ParameterCount(), model.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void RandomInitFollowsHf()
    {
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa with { InitializerRange = 0.02, QkvBias = true }, seed: 3);
        var weights = model.state_dict();
        var linear = weights["model.layers.0.mlp.gate_proj.weight"];
        Assert.Equal(0.02, linear.std().item<float>(), 0.002);
        Assert.Equal(0.0, linear.mean().item<float>(), 0.002);
        Assert.True(weights["model.norm.weight"].eq(ones(1)).all().item<bool>());
        Assert.True(weights["model.layers.1.self_attn.q_proj.bias"].eq(zeros(1)).all().item<bool>());
        using var again = LlamaForCausalLM.CreateRandom(SmallModels.Gqa with { InitializerRange = 0.02, QkvBias = true }, seed: 3);
        Assert.True(Identical(again.state_dict()["model.layers.0.mlp.gate_proj.weight"], linear));
    }

    [Fact]
    public void BadStateDictsNameTheTensor()
    {
        var config = SmallModels.Gqa;
        Dictionary<string, Tensor> Weights()
        {
            using var model = LlamaForCausalLM.CreateRandom(config, seed: 1);
            return model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        }
        var missing = Weights();
        missing.Remove("model.layers.1.mlp.up_proj.weight");
        Assert.Contains("'model.layers.1.mlp.up_proj.weight' is missing",
            Assert.Throws<InvalidDataException>(() => LlamaForCausalLM.FromStateDict(config, missing, "src")).Message);

        var wrongShape = Weights();
        wrongShape["model.norm.weight"] = ones(31);
        Assert.Contains("'model.norm.weight' has shape [31]",
            Assert.Throws<InvalidDataException>(() => LlamaForCausalLM.FromStateDict(config, wrongShape, "src")).Message);

        var extra = Weights();
        extra["model.layers.9.mlp.up_proj.weight"] = ones(2);
        Assert.Contains("'model.layers.9.mlp.up_proj.weight' is not part of the model",
            Assert.Throws<InvalidDataException>(() => LlamaForCausalLM.FromStateDict(config, extra, "src")).Message);
    }

    [Fact]
    public void PackedRowsMatchSeparateRows()
    {
        using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 5);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var first = RandomIds(1, 4, seed: 1);
        var second = RandomIds(1, 6, seed: 2);
        var packed = cat([first, second], 1);
        var segments = tensor(new long[] { 0, 0, 0, 0, 1, 1, 1, 1, 1, 1 }).unsqueeze(0);

        var packedLogits = model.Forward(packed, segmentIds: segments);
        var separate = cat([model.Forward(first), model.Forward(second)], 1);
        var diff = MaxDiff(packedLogits, separate);
        output.WriteLine($"packed vs separate: max |diff| {diff:E2}");
        Assert.True(diff <= 1e-5, $"packed rows leak across documents: {diff:E2}");
        // Without segment ids the second document sees the first one, so the logits must differ.
        Assert.True(MaxDiff(model.Forward(packed), separate) > 1e-3);
    }

    [Fact]
    public void TokenCountLossGivesExactGradientAccumulation()
    {
        // Two micro-batches with different numbers of label tokens: averaging their means would weight tokens
        // unequally; summing SumOverTokens(global count) reproduces the full batch's mean loss and gradient.
        using var scope = NewDisposeScope();
        var ids = RandomIds(2, 8, seed: 3);
        var labels = ids.clone();
        labels[0, TensorIndex.Slice(0, 5)] = tensor(CausalLmLoss.IgnoreIndex);

        using var full = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 9);
        var fullLoss = CausalLmLoss.Mean(full.Forward(ids), labels);
        fullLoss.backward();

        using var accumulated = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 9);
        var tokens = CausalLmLoss.CountLabelTokens(labels);
        Assert.Equal(3 + 7, tokens);
        var total = 0.0;
        for (var row = 0; row < 2; row++)
        {
            var micro = CausalLmLoss.SumOverTokens(
                accumulated.Forward(ids.narrow(0, row, 1)), labels.narrow(0, row, 1), tokens);
            micro.backward();
            total += micro.item<float>();
        }
        Assert.Equal(fullLoss.item<float>(), total, 1e-6);
        var fullGrads = full.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in accumulated.named_parameters())
        {
            Assert.True(MaxDiff(parameter.grad!, fullGrads[name]) <= 1e-6, name);
        }
    }

    [Fact]
    public void CheckpointingGivesTheSameLossAndGradients()
    {
        using var scope = NewDisposeScope();
        var ids = RandomIds(2, 12, seed: 4);
        var mask = ones(2, 12, ScalarType.Int64);
        mask[1, TensorIndex.Slice(9)] = tensor(0L);

        using var plain = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 11);
        var plainLoss = CausalLmLoss.Mean(plain.Forward(ids, attentionMask: mask), ids);
        plainLoss.backward();

        using var checkpointed = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 11);
        checkpointed.GradientCheckpointing = true;
        var checkpointedLoss = CausalLmLoss.Mean(checkpointed.Forward(ids, attentionMask: mask), ids);
        var recomputedBefore = ActivationCheckpoint.Recomputations;
        checkpointed.Backward(checkpointedLoss);
        // Every decoder layer was recomputed (other tests may recompute concurrently, hence at least).
        Assert.True(ActivationCheckpoint.Recomputations - recomputedBefore >= SmallModels.Gqa.NumHiddenLayers);

        Assert.Equal(plainLoss.item<float>(), checkpointedLoss.item<float>());
        var plainGrads = plain.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!);
        foreach (var (name, parameter) in checkpointed.named_parameters())
        {
            Assert.NotNull(parameter.grad);
            Assert.True(Identical(parameter.grad!, plainGrads[name]), $"{name}: max |diff| {MaxDiff(parameter.grad!, plainGrads[name]):E2}");
        }
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void SaveLoadRoundTripIsBitExact(bool sharded)
    {
        var dir = Directory.CreateTempSubdirectory("sharpspeed-model-").FullName;
        try
        {
            using var model = LlamaForCausalLM.CreateRandom(SmallModels.Gqa, seed: 2, dtype: ScalarType.BFloat16);
            ModelFolder.Save(model, dir, maxShardBytes: sharded ? 20_000 : StateDictFiles.DefaultMaxShardBytes);
            Assert.Equal(sharded, File.Exists(Path.Combine(dir, StateDictFiles.SafetensorsIndexFile)));
            using var loaded = ModelFolder.Load(dir);
            Assert.Equal(SmallModels.Gqa with { TorchDtype = "bfloat16", EosTokenIds = loaded.Config.EosTokenIds }, loaded.Config);
            var expected = model.state_dict();
            foreach (var (name, tensor) in loaded.state_dict())
            {
                Assert.Equal(ScalarType.BFloat16, tensor.dtype);
                Assert.True(Identical(tensor, expected[name]), name);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
