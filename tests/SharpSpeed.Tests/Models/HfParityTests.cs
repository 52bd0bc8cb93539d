using System.Text.Json.Nodes;
using SharpSpeed.Models;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models;

/// <summary>
/// Logits and losses against tests/fixtures/models/expected.json, computed by llama_reference.py (HF's
/// modeling_llama / modeling_qwen2 math in PyTorch 1.13) from the same safetensors weights.
/// </summary>
public sealed class HfParityTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;

    [Theory]
    [InlineData("mha")]
    [InlineData("gqa")]
    [InlineData("tied")]
    [InlineData("qwen2_bias")]
    [InlineData("rope_linear")]
    [InlineData("rope_llama3")]
    public void LogitsAndLossMatchTheReference(string name)
    {
        var entry = (JsonObject)ModelFixtures.Expected["cases"]![name]!;
        using var model = ModelFixtures.Model(entry);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = ModelFixtures.LongMatrix("input_ids");
        var labels = ModelFixtures.LongMatrix("labels");

        var logits = model.Forward(ids);
        var actual = logits.reshape(-1).data<float>().ToArray();
        var expected = ModelFixtures.Floats(entry["logits"]!);
        Assert.Equal(expected.Length, actual.Length);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();

        var loss = CausalLmLoss.Mean(logits, labels).item<float>();
        var tokens = CausalLmLoss.CountLabelTokens(labels);
        var lossSum = CausalLmLoss.SumOverTokens(logits, labels, 1).item<float>();
        output.WriteLine($"{name}: max |logit diff| {maxDiff:E2}, loss {loss} vs {(double)entry["loss"]!}, tokens {tokens}");

        Assert.True(maxDiff <= Tolerance, $"{name}: max |logit diff| {maxDiff:E2} > {Tolerance:E0}");
        Assert.Equal((double)entry["loss"]!, loss, Tolerance);
        Assert.Equal((double)entry["loss_sum"]!, lossSum, Tolerance * 20);
        Assert.Equal(lossSum / tokens, loss, Tolerance);
    }

    [Theory]
    [InlineData("mha")]
    [InlineData("qwen2_bias")]
    public void LossGradientsMatchTheReference(string name)
    {
        var entry = (JsonObject)ModelFixtures.Expected["cases"]![name]!;
        using var model = ModelFixtures.Model(entry);
        using var scope = NewDisposeScope();
        var loss = CausalLmLoss.Mean(model.Forward(ModelFixtures.LongMatrix("input_ids")), ModelFixtures.LongMatrix("labels"));
        loss.backward();
        var parameters = model.named_parameters().ToDictionary(p => p.name, p => p.parameter);
        foreach (var (tensorName, values) in (JsonObject)ModelFixtures.Expected["gradients"]![name]!)
        {
            var expected = ModelFixtures.Floats(values!);
            var actual = parameters[tensorName].grad!.reshape(-1).data<float>().ToArray();
            Assert.Equal(expected.Length, actual.Length);
            var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
            output.WriteLine($"{name} d loss / d {tensorName}: max |diff| {maxDiff:E2} (max |grad| {expected.Max(Math.Abs):E2})");
            Assert.True(maxDiff <= Tolerance, $"{tensorName}: max |grad diff| {maxDiff:E2}");
        }
    }

    [Fact]
    public void Bf16ForwardMatchesTheReferenceWithinBf16Rounding()
    {
        // Both sides round the same fp32 weights to bf16 and compute in bf16; they differ only in how kernels
        // accumulate (SDPA vs eager attention), so agreement is to bf16 resolution (2^-8 relative), not 1e-5.
        var entry = (JsonObject)ModelFixtures.Expected["bf16"]!;
        var config = ModelFixtures.Config(entry);
        var path = Path.Combine(ModelFixtures.Directory, (string)entry["weights"]!);
        using var model = LlamaForCausalLM.FromStateDict(
            config, SharpSpeed.IO.StateDictFiles.Load(path, ScalarType.BFloat16), path);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var logits = model.Forward(ModelFixtures.LongMatrix("input_ids"));
        Assert.Equal(ScalarType.BFloat16, logits.dtype);
        var actual = logits.to(ScalarType.Float32).reshape(-1).data<float>().ToArray();
        var expected = ModelFixtures.Floats(entry["logits"]!);
        var maxDiff = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        var scale = expected.Max(Math.Abs);
        var loss = CausalLmLoss.Mean(logits, ModelFixtures.LongMatrix("labels")).item<float>();
        output.WriteLine($"bf16: max |logit diff| {maxDiff:E2} (max |logit| {scale:F2}), loss {loss} vs {(double)entry["loss"]!}");
        Assert.True(maxDiff <= 4 * scale / 256, $"bf16: max |logit diff| {maxDiff:E2}");
        Assert.Equal((double)entry["loss"]!, loss, 0.02);
    }

    [Fact]
    public void PaddedPositionsDoNotChangeRealOnesAndMatchTheReference()
    {
        var entry = (JsonObject)ModelFixtures.Expected["padding"]!;
        using var model = ModelFixtures.Model(entry);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var ids = ModelFixtures.LongMatrix("input_ids");
        var mask = ModelFixtures.LongMatrix((JsonArray)entry["attention_mask"]!);
        var logits = model.Forward(ids, attentionMask: mask);
        var actual = logits.data<float>().ToArray();
        var expected = ModelFixtures.Floats(entry["logits"]!);
        var real = mask.data<long>().ToArray();
        long vocab = logits.shape[2];

        var maxDiff = 0.0;
        for (var position = 0; position < real.Length; position++)
        {
            if (real[position] == 0)
            {
                continue;
            }
            for (var v = 0; v < vocab; v++)
            {
                var index = position * vocab + v;
                maxDiff = Math.Max(maxDiff, Math.Abs(actual[index] - expected[index]));
            }
        }
        output.WriteLine($"padding: max |logit diff| over real positions {maxDiff:E2}");
        Assert.True(maxDiff <= Tolerance, $"padding: max |logit diff| {maxDiff:E2}");
        Assert.False(logits.isnan().any().item<bool>(), "padded rows must not produce NaN");

        // Right padding leaves the real prefix exactly as if the row were shorter.
        var unpadded = model.Forward(ids.narrow(0, 0, 1).narrow(1, 0, ids.shape[1] - 3));
        var prefix = logits.narrow(0, 0, 1).narrow(1, 0, ids.shape[1] - 3);
        var prefixDiff = (prefix - unpadded).abs().max().item<float>();
        output.WriteLine($"right padding vs unpadded row: max |logit diff| {prefixDiff:E2}");
        Assert.True(prefixDiff <= Tolerance, $"right padding changed real logits by {prefixDiff:E2}");
    }
}
