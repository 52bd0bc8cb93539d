using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>The safetensors dtype names we read and write, their torch types and element sizes.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, torch.ScalarType> ByName = new(StringComparer.Ordinal)
    {
        ["F64"] = torch.ScalarType.Float64,
        ["F32"] = torch.ScalarType.Float32,
        ["F16"] = torch.ScalarType.Float16,
        ["BF16"] = torch.ScalarType.BFloat16,
        ["I64"] = torch.ScalarType.Int64,
        ["I32"] = torch.ScalarType.Int32,
        ["I16"] = torch.ScalarType.Int16,
        ["I8"] = torch.ScalarType.Int8,
        ["U8"] = torch.ScalarType.Byte,
        ["BOOL"] = torch.ScalarType.Bool,
    };

    /// <summary>Accepted names, for error messages.</summary>
    public static string KnownNames { get; } = string.Join(", ", ByName.Keys);

    public static bool TryParse(string name, out torch.ScalarType type) => ByName.TryGetValue(name, out type);

    public static string NameOf(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float64 => "F64",
        torch.ScalarType.Float32 => "F32",
        torch.ScalarType.Float16 => "F16",
        torch.ScalarType.BFloat16 => "BF16",
        torch.ScalarType.Int64 => "I64",
        torch.ScalarType.Int32 => "I32",
        torch.ScalarType.Int16 => "I16",
        torch.ScalarType.Int8 => "I8",
        torch.ScalarType.Byte => "U8",
        torch.ScalarType.Bool => "BOOL",
        _ => throw new NotSupportedException($"safetensors: tensor dtype {type} cannot be written (supported: {KnownNames})"),
    };

    public static int SizeOf(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Float64 or torch.ScalarType.Int64 => 8,
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Int16 => 2,
        torch.ScalarType.Int8 or torch.ScalarType.Byte or torch.ScalarType.Bool => 1,
        _ => throw new NotSupportedException($"safetensors: dtype {type} is not supported (supported: {KnownNames})"),
    };

    /// <summary>
    /// Rank used to order tensors in a file, as the reference (Rust) writer does: larger, wider types first so every
    /// tensor's data stays aligned to its element size, then by name.
    /// </summary>
    internal static int WriteOrder(torch.ScalarType type) => type switch
    {
        torch.ScalarType.Int64 => 0,
        torch.ScalarType.Float64 => 1,
        torch.ScalarType.Float32 => 2,
        torch.ScalarType.Int32 => 3,
        torch.ScalarType.BFloat16 => 4,
        torch.ScalarType.Float16 => 5,
        torch.ScalarType.Int16 => 6,
        torch.ScalarType.Int8 => 7,
        torch.ScalarType.Byte => 8,
        torch.ScalarType.Bool => 9,
        _ => throw new NotSupportedException($"safetensors: dtype {type} is not supported (supported: {KnownNames})"),
    };
}
