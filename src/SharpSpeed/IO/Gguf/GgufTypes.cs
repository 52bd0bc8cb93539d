using System.Diagnostics.CodeAnalysis;

namespace SharpSpeed.IO.Gguf;

/// <summary>The type tag of a GGUF metadata value (gguf_type in ggml's gguf.h).</summary>
[SuppressMessage("Naming", "CA1720", Justification = "The names are gguf.h's GGUF_TYPE_* names.")]
public enum GgufValueType : uint
{
    UInt8 = 0,
    Int8 = 1,
    UInt16 = 2,
    Int16 = 3,
    UInt32 = 4,
    Int32 = 5,
    Float32 = 6,
    Bool = 7,
    String = 8,
    Array = 9,
    UInt64 = 10,
    Int64 = 11,
    Float64 = 12,
}

/// <summary>The tensor element types SharpSpeed writes and reads (ggml_type numbers as ggml.h defines them).</summary>
[SuppressMessage("Naming", "CA1707", Justification = "Q8_0 is ggml's own name for the type.")]
public enum GgmlType : uint
{
    F32 = 0,
    F16 = 1,
    Q8_0 = 8,
    BF16 = 30,
}

/// <summary>Sizes of the ggml tensor types: values per block and bytes per block.</summary>
public static class GgmlTypes
{
    /// <summary>Q8_0 block: one f16 scale followed by 32 signed bytes.</summary>
    public const int BlockValuesQ8 = 32;
    public const int BlockBytesQ8 = 2 + BlockValuesQ8;

    public static bool IsKnown(GgmlType type) => type is GgmlType.F32 or GgmlType.F16 or GgmlType.Q8_0 or GgmlType.BF16;

    public static int BlockValues(GgmlType type) => type == GgmlType.Q8_0 ? BlockValuesQ8 : 1;

    public static int BlockBytes(GgmlType type) => type switch
    {
        GgmlType.F32 => 4,
        GgmlType.F16 or GgmlType.BF16 => 2,
        GgmlType.Q8_0 => BlockBytesQ8,
        _ => throw new ArgumentException($"ggml type {(uint)type} is not supported (F32, F16, BF16, Q8_0)"),
    };

    /// <summary>Bytes of one row of <paramref name="rowValues"/> values; the row must be whole blocks.</summary>
    public static long RowBytes(GgmlType type, long rowValues)
    {
        var block = BlockValues(type);
        if (rowValues % block != 0)
        {
            throw new ArgumentException($"a row of {rowValues} values is not a whole number of {type} blocks of {block}");
        }
        return rowValues / block * BlockBytes(type);
    }

    /// <summary>Bytes of a tensor of <paramref name="shape"/> (outermost dimension first, as PyTorch writes shapes).</summary>
    public static long TensorBytes(GgmlType type, IReadOnlyList<long> shape)
    {
        var rows = 1L;
        for (var i = 0; i < shape.Count - 1; i++)
        {
            rows = checked(rows * shape[i]);
        }
        return checked(rows * RowBytes(type, shape.Count == 0 ? 1 : shape[^1]));
    }
}
