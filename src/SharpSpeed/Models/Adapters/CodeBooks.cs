namespace SharpSpeed.Models.Adapters;

/// <summary>
/// bitsandbytes' 4-bit code books, values a block's weights are rounded to after division by the block's absmax.
/// NF4 (QLoRA paper, appendix E): quantiles of N(0, 1) normalised to [-1, 1], with an exact zero, as bitsandbytes
/// publishes them (functional.py, get_4bit_type "nf4"); index = the stored 4-bit code. FP4: bitsandbytes' e2m1 format
/// (its dequantisation tree, kDequantizeFP4), bit 3 the sign, magnitudes normalised so the largest is 1.
/// </summary>
public static class CodeBooks
{
    public static IReadOnlyList<float> Nf4 { get; } =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
        -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
        0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
        0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
    ];

    public static IReadOnlyList<float> Fp4 { get; } =
    [
        0.0f, 0.005208333333f, 0.66666667f, 1.0f, 0.33333333f, 0.5f, 0.16666667f, 0.25f,
        -0.0f, -0.005208333333f, -0.66666667f, -1.0f, -0.33333333f, -0.5f, -0.16666667f, -0.25f,
    ];

    /// <summary>The code book of --quant_type <paramref name="name"/>.</summary>
    public static IReadOnlyList<float> Named(string name) => name switch
    {
        "nf4" => Nf4,
        "fp4" => Fp4,
        _ => throw new ArgumentException($"--quant_type '{name}' is not a 4-bit code book (nf4, fp4)"),
    };
}
