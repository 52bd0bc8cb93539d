namespace SharpSpeed.IO.Gguf;

/// <summary>
/// One tensor's entry in a GGUF file: <paramref name="Shape"/> outermost first (the reverse of the file's ggml
/// order), <paramref name="Offset"/> relative to the start of the data section.
/// </summary>
public sealed record GgufTensorInfo(string Name, long[] Shape, GgmlType Type, long Offset)
{
    public long ByteLength => GgmlTypes.TensorBytes(Type, Shape);
}

/// <summary>The header of a GGUF file as <see cref="GgufReader"/> read and checked it.</summary>
public sealed record GgufFile(
    string Path,
    uint Version,
    IReadOnlyDictionary<string, GgufValue> Metadata,
    IReadOnlyList<string> MetadataOrder,
    IReadOnlyList<GgufTensorInfo> Tensors,
    long Alignment,
    long DataStart)
{
    public GgufValue this[string key] => Metadata.TryGetValue(key, out var value) ? value
        : throw new KeyNotFoundException($"{Path}: no metadata key '{key}'");

    public GgufTensorInfo Tensor(string name) => Tensors.FirstOrDefault(t => t.Name == name)
        ?? throw new KeyNotFoundException($"{Path}: no tensor '{name}'");

    /// <summary>The raw bytes of one tensor as stored (f32/f16/bf16 little-endian, or Q8_0 blocks).</summary>
    public byte[] ReadTensorBytes(string name)
    {
        var info = Tensor(name);
        var bytes = new byte[info.ByteLength];
        using var stream = File.OpenRead(Path);
        stream.Seek(DataStart + info.Offset, SeekOrigin.Begin);
        stream.ReadExactly(bytes);
        return bytes;
    }

    /// <summary>One tensor's values as float32, dequantizing Q8_0 and widening f16/bf16.</summary>
    public float[] ReadTensorFloats(string name)
    {
        var info = Tensor(name);
        var bytes = ReadTensorBytes(name);
        var count = info.Shape.Aggregate(1L, (a, b) => a * b);
        var values = new float[count];
        switch (info.Type)
        {
            case GgmlType.F32:
                Buffer.BlockCopy(bytes, 0, values, 0, bytes.Length);
                break;
            case GgmlType.F16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = (float)BitConverter.ToHalf(bytes, 2 * i);
                }
                break;
            case GgmlType.BF16:
                for (var i = 0; i < values.Length; i++)
                {
                    values[i] = BitConverter.Int32BitsToSingle(BitConverter.ToUInt16(bytes, 2 * i) << 16);
                }
                break;
            case GgmlType.Q8_0:
                Q8Blocks.Dequantize(bytes, values);
                break;
        }
        return values;
    }
}
