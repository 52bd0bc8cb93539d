namespace SharpSpeed.Planning;

/// <summary>
/// Bytes of a frozen base weight as bitsandbytes stores it (QLoRA's <c>--bits</c>):
/// <list type="bullet">
/// <item>16: the model dtype, 2 B per element;</item>
/// <item>8 (LLM.int8): 1 B per element plus one fp32 scale per output row;</item>
/// <item>4 (NF4 / FP4): 0.5 B per element plus one absmax per block of 64 elements, fp32 (4 B), or with
/// <c>double_quant</c> 8-bit (1 B) with one fp32 constant per block of 256 absmax values and one fp32 offset.</item>
/// </list>
/// Only decoder-layer linears are quantised (bitsandbytes skips <c>lm_head</c>; embeddings and norms are not linears).
/// </summary>
public static class QuantizedWeights
{
    public const int Nf4BlockSize = 64;
    public const int AbsmaxBlockSize = 256;

    /// <summary>The byte count of one weight of n elements at <paramref name="bits"/>, as text.</summary>
    public static string Formula(int bits, bool doubleQuant) => bits switch
    {
        4 when doubleQuant => "n/2 + ceil(n/64) + 4 ceil(ceil(n/64)/256) + 4 B",
        4 => "n/2 + 4 ceil(n/64) B",
        8 => "n + 4 rows B",
        _ => "2n B",
    };

    public static void Validate(int bits)
    {
        if (bits is not (4 or 8 or 16))
        {
            throw new ArgumentException($"--bits must be 4, 8 or 16, got {bits}");
        }
    }

    public static double Bytes(PlannedParameter weight, int bits, bool doubleQuant, int modelElementBytes)
    {
        long n = weight.Elements;
        return bits switch
        {
            16 => (double)n * modelElementBytes,
            8 => n + 4.0 * weight.Shape[0],
            4 => Nf4Bytes(n, doubleQuant),
            _ => throw new ArgumentException($"--bits must be 4, 8 or 16, got {bits}"),
        };
    }

    public static double Nf4Bytes(long elements, bool doubleQuant)
    {
        long blocks = (elements + Nf4BlockSize - 1) / Nf4BlockSize;
        double codes = (elements + 1) / 2;
        if (!doubleQuant)
        {
            return codes + 4.0 * blocks;
        }
        long absmaxBlocks = (blocks + AbsmaxBlockSize - 1) / AbsmaxBlockSize;
        return codes + blocks + 4.0 * absmaxBlocks + 4;
    }
}
