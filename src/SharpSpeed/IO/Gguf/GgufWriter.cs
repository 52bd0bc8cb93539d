using System.Text;

namespace SharpSpeed.IO.Gguf;

/// <summary>
/// Writes a GGUF v3 file: header, typed key/value metadata in the given order, tensor infos, then the tensor data,
/// each tensor starting on the alignment boundary (32 bytes unless the metadata sets general.alignment).
/// The file appears atomically: it is written beside the target and renamed when complete.
/// </summary>
public static class GgufWriter
{
    public static void Write(string path, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        var temporary = path + ".partial";
        try
        {
            using (var file = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 20))
            {
                Write(file, metadata, tensors);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }

    public static void Write(Stream stream, IReadOnlyList<KeyValuePair<string, GgufValue>> metadata, IReadOnlyList<GgufTensor> tensors)
    {
        var alignment = AlignmentOf(metadata);
        CheckUnique(metadata.Select(kv => kv.Key), "metadata key");
        CheckUnique(tensors.Select(t => t.Name), "tensor name");

        using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
        writer.Write(GgufFormat.Magic);
        writer.Write(GgufFormat.Version);
        writer.Write((ulong)tensors.Count);
        writer.Write((ulong)metadata.Count);
        foreach (var (key, value) in metadata)
        {
            WriteString(writer, key);
            writer.Write((uint)value.Type);
            WriteValue(writer, value);
        }

        var offset = 0L;
        foreach (var tensor in tensors)
        {
            if (tensor.Shape.Length is 0 or > GgufFormat.MaxDimensions || tensor.Shape.Any(d => d <= 0))
            {
                throw new ArgumentException($"tensor '{tensor.Name}': shape [{string.Join(", ", tensor.Shape)}] is not 1 to 4 positive dimensions");
            }
            WriteString(writer, tensor.Name);
            writer.Write((uint)tensor.Shape.Length);
            for (var i = tensor.Shape.Length - 1; i >= 0; i--)
            {
                writer.Write((ulong)tensor.Shape[i]);
            }
            writer.Write((uint)tensor.Type);
            writer.Write((ulong)offset);
            offset = GgufFormat.AlignUp(offset + tensor.ByteLength, alignment);
        }
        writer.Flush();

        Pad(stream, alignment);
        var dataStart = stream.Position;
        foreach (var tensor in tensors)
        {
            var start = stream.Position;
            tensor.WriteData(stream);
            var written = stream.Position - start;
            if (written != tensor.ByteLength)
            {
                throw new InvalidOperationException(
                    $"tensor '{tensor.Name}': wrote {written} bytes, its shape and type need {tensor.ByteLength}");
            }
            Pad(stream, alignment, dataStart);
        }
    }

    private static long AlignmentOf(IReadOnlyList<KeyValuePair<string, GgufValue>> metadata)
    {
        var entry = metadata.FirstOrDefault(kv => kv.Key == GgufFormat.AlignmentKey);
        if (entry.Value is null)
        {
            return GgufFormat.DefaultAlignment;
        }
        var alignment = entry.Value.Value is uint a ? a
            : throw new ArgumentException($"{GgufFormat.AlignmentKey} must be a uint32, not {entry.Value.Type}");
        return alignment != 0 && (alignment & (alignment - 1)) == 0 ? alignment
            : throw new ArgumentException($"{GgufFormat.AlignmentKey} {alignment} is not a power of two");
    }

    private static void CheckUnique(IEnumerable<string> names, string what)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var name in names)
        {
            if (!seen.Add(name))
            {
                throw new ArgumentException($"duplicate {what} '{name}'");
            }
        }
    }

    private static void Pad(Stream stream, long alignment, long origin = 0)
    {
        var padding = GgufFormat.AlignUp(stream.Position - origin, alignment) - (stream.Position - origin);
        for (var i = 0; i < padding; i++)
        {
            stream.WriteByte(0);
        }
    }

    private static void WriteString(BinaryWriter writer, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        writer.Write((ulong)bytes.Length);
        writer.Write(bytes);
    }

    private static void WriteValue(BinaryWriter writer, GgufValue value)
    {
        if (value.Type != GgufValueType.Array)
        {
            WriteScalar(writer, value.Type, value.Value);
            return;
        }
        var items = (Array)value.Value;
        writer.Write((uint)value.ElementType);
        writer.Write((ulong)items.Length);
        foreach (var item in items)
        {
            WriteScalar(writer, value.ElementType, item!);
        }
    }

    private static void WriteScalar(BinaryWriter writer, GgufValueType type, object value)
    {
        switch (type)
        {
            case GgufValueType.UInt8: writer.Write((byte)value); break;
            case GgufValueType.Int8: writer.Write((sbyte)value); break;
            case GgufValueType.UInt16: writer.Write((ushort)value); break;
            case GgufValueType.Int16: writer.Write((short)value); break;
            case GgufValueType.UInt32: writer.Write((uint)value); break;
            case GgufValueType.Int32: writer.Write((int)value); break;
            case GgufValueType.Float32: writer.Write((float)value); break;
            case GgufValueType.Bool: writer.Write((byte)((bool)value ? 1 : 0)); break;
            case GgufValueType.String: WriteString(writer, (string)value); break;
            case GgufValueType.UInt64: writer.Write((ulong)value); break;
            case GgufValueType.Int64: writer.Write((long)value); break;
            case GgufValueType.Float64: writer.Write((double)value); break;
            default: throw new ArgumentException($"GGUF value type {type} cannot be an array element here");
        }
    }
}
