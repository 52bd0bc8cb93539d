using SharpSpeed.IO.Gguf;

namespace SharpSpeed.Models.Gguf;

/// <summary>
/// The <c>--outtype</c> of a GGUF export, as llama.cpp's convert_hf_to_gguf.py names them: the type of the 2-D
/// weight matrices (norms, biases and other 1-D tensors always stay f32) and the general.file_type number
/// llama.cpp records for it (llama_ftype: ALL_F32 0, MOSTLY_F16 1, MOSTLY_Q8_0 7, MOSTLY_BF16 32).
/// </summary>
public sealed record GgufOutType(string Name, GgmlType MatrixType, uint FileType)
{
    public static GgufOutType F32 { get; } = new("f32", GgmlType.F32, 0);
    public static GgufOutType F16 { get; } = new("f16", GgmlType.F16, 1);
    public static GgufOutType BF16 { get; } = new("bf16", GgmlType.BF16, 32);
    public static GgufOutType Q8 { get; } = new("q8_0", GgmlType.Q8_0, 7);

    public static IReadOnlyList<GgufOutType> All { get; } = [F32, F16, BF16, Q8];

    public static GgufOutType Parse(string name) =>
        All.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"--outtype '{name}' is not one of {string.Join(", ", All.Select(t => t.Name))}");

    /// <summary>
    /// The stored type of one tensor: 1-D tensors stay f32; a matrix whose rows are not whole Q8_0 blocks falls
    /// back to f16, as the converter does.
    /// </summary>
    public GgmlType TypeFor(IReadOnlyList<long> shape)
    {
        if (shape.Count < 2)
        {
            return GgmlType.F32;
        }
        return MatrixType == GgmlType.Q8_0 && shape[^1] % GgmlTypes.BlockValuesQ8 != 0 ? GgmlType.F16 : MatrixType;
    }
}
