using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Tests.Training;
using SharpSpeed.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models.Adapters;

/// <summary>QLoRA's storage: bitsandbytes' code books, the quantise→dequantise error bound, and training on a 4-bit base.</summary>
public sealed class QuantizationTests
{
    /// <summary>bitsandbytes' NF4 table as published (bitsandbytes/functional.py, get_4bit_type("nf4"); QLoRA paper, appendix E).</summary>
    private static readonly float[] PublishedNf4 =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    [Fact]
    public void Nf4CodeBookIsBitsandbytes()
    {
        Assert.Equal(PublishedNf4, CodeBooks.Nf4);
        // FP4 (e2m1): bit 3 is the sign; magnitudes {0, 1/192, 2/3, 1, 1/3, 1/2, 1/6, 1/4} (bitsandbytes' kDequantizeFP4 tree).
        Assert.Equal(16, CodeBooks.Fp4.Count);
        Assert.Equal(1.0f, CodeBooks.Fp4[3]);
        Assert.Equal(-0.25f, CodeBooks.Fp4[15]);
    }

    [Theory]
    [InlineData(4, "nf4", false)]
    [InlineData(4, "nf4", true)]
    [InlineData(4, "fp4", false)]
    [InlineData(8, "nf4", false)]
    public void DequantisedWeightsStayWithinHalfACodeStepOfTheBlockAbsmax(int bits, string type, bool doubleQuant)
    {
        manual_seed(3);
        // Rows of different scales so that blocks' absmax differ; 64 x 100 is not a multiple of the 256-constant block.
        using var weight = randn(64, 100) * linspace(0.01, 2, 64).unsqueeze(1);
        var settings = new QuantizationSettings(bits, type, doubleQuant);
        using var quantized = QuantizedWeight.Quantize(weight, settings);
        using var restored = quantized.Dequantize();
        Assert.Equal(weight.shape, restored.shape);

        // The largest gap between neighbouring codes bounds the rounding: |w - q| <= absmax * gap / 2.
        var book = bits == 8 ? Enumerable.Range(-127, 255).Select(i => i / 127f).ToArray() : CodeBooks.Named(type).Order().ToArray();
        var halfGap = book.Zip(book.Skip(1), (a, b) => (b - a) / 2).Max();
        using var blocks = weight.reshape(-1, 64);
        using var absmax = blocks.abs().amax([1], keepdim: true);
        // Double quantisation moves each absmax by at most its block's (max |absmax - mean|) / 254.
        var absmaxError = doubleQuant ? (absmax - absmax.mean()).abs().max().item<float>() / 254 : 0;
        using var shift = absmaxError.ToScalar();
        using var gap = halfGap.ToScalar();
        using var slack = (absmaxError + 1e-6).ToScalar();
        using var bound = absmax.add(shift, HeldScalars.One).mul_(gap).add_(slack, HeldScalars.One);
        using var error = (restored.reshape(-1, 64) - blocks).abs();
        var excess = (error - bound).max().item<float>();
        Assert.True(excess <= 0, $"{bits}-bit {type}: a value is off by more than half a code step times absmax (by {excess})");

        var bytes = quantized.StorageBytes;
        long expected = bits == 4 ? 6400 / 2 : 6400;
        expected += doubleQuant ? 100 + 4 + 4 : 100 * 4;
        Assert.Equal(expected, bytes);
    }

    [Fact]
    public void QuantisedLinearBackwardIsTheDequantisedWeightsGradient()
    {
        manual_seed(4);
        using var weight = randn(24, 40);
        using var quantized = QuantizedWeight.Quantize(weight, new QuantizationSettings(4));
        using var input = randn(3, 5, 40).requires_grad_();
        using var output = QuantizedLinear.Apply(input, quantized, null);
        output.sum().backward();
        using var reference = input.detach().clone().requires_grad_();
        using var full = quantized.Dequantize();
        using var expected = nn.functional.linear(reference, full);
        expected.sum().backward();
        Assert.True(output.allclose(expected, rtol: 1e-6, atol: 1e-6));
        Assert.True(input.grad!.allclose(reference.grad!, rtol: 1e-6, atol: 1e-6));
    }

    [Fact]
    public void QloraTrainingOnAFourBitBaseLearns()
    {
        var output = Directory.CreateTempSubdirectory("sharpspeed-qlora-").FullName;
        try
        {
            var args = new TrainingArguments
            {
                ModelNameOrPath = SmallTrainingModel.Folder, OutputDir = output, MaxSteps = 6, PerDeviceTrainBatchSize = 4,
                LearningRate = 1e-2, LrSchedulerType = "constant", MaxSeqLength = 64, LoggingSteps = 1, SaveSteps = 0,
                ReportTo = "none", Seed = 11, LoraR = 8, LoraAlpha = 16, LoraTargetModules = LoraConfig.AllLinear,
                Bits = 4, QuantType = "nf4", DoubleQuant = true,
            };
            var outcome = new Trainer(args, new HashSet<string>(), TextWriter.Null, interactive: false).Run();
            Assert.True(outcome.Summary.LastLoss < outcome.Summary.FirstLoss - 0.05,
                $"QLoRA did not learn: loss {outcome.Summary.FirstLoss} -> {outcome.Summary.LastLoss}");
            Assert.True(File.Exists(Path.Combine(output, AdapterFolder.WeightsFileName)));
        }
        finally
        {
            Directory.Delete(output, recursive: true);
        }
    }
}
