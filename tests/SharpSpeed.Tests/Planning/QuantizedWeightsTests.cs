using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class QuantizedWeightsTests
{
    // QLoRA paper (Dettmers et al. 2023, sec. 3 "Double Quantization"): with block size 64 the fp32 absmax constants
    // cost 32/64 = 0.5 bits per parameter; quantised to 8 bits with fp32 second-level constants per 256 blocks they
    // cost 8/64 + 32/(64·256) = 0.127 bits per parameter.
    [Theory]
    [InlineData(false, 0.5)]
    [InlineData(true, 0.127)]
    public void ConstantsCostWhatThePaperSays(bool doubleQuant, double bitsPerParameter)
    {
        long n = 4096L * 11008;
        double bytes = QuantizedWeights.Nf4Bytes(n, doubleQuant);
        double constantBits = (bytes - n / 2.0) * 8 / n;
        Assert.Equal(bitsPerParameter, constantBits, 0.001);
    }

    [Fact]
    public void EightBitHasOneScalePerRow()
    {
        var weight = new PlannedParameter("w", [11008, 4096], "gate_proj");
        Assert.Equal(11008.0 * 4096 + 4 * 11008, QuantizedWeights.Bytes(weight, 8, doubleQuant: false, modelElementBytes: 2));
        Assert.Equal(2.0 * 11008 * 4096, QuantizedWeights.Bytes(weight, 16, doubleQuant: false, modelElementBytes: 2));
    }
}
