using System.Text;

namespace SharpSpeed.IO.Gguf;

/// <summary>
/// Reads and checks the header of a GGUF v3 file: every count, string length, array length, dimension, tensor
/// type, alignment and tensor extent is checked against the file before it is trusted, so a damaged or hostile
/// file is refused with one line naming the file, the byte offset and what was wrong.
/// </summary>
public static class GgufReader
{
    /// <summary>Longest key or string value accepted; llama.cpp's vocabularies and templates are far shorter.</summary>
    private const long MaxStringBytes = 64L << 20;

    public static GgufFile Read(string path)
    {
        using var stream = File.OpenRead(path);
        var cursor = new Cursor(stream, path);
        if (cursor.U32() != GgufFormat.Magic)
        {
            throw cursor.Error(0, "not a GGUF file (magic is not 'GGUF')");
        }
        var version = cursor.U32();
        if (version != GgufFormat.Version)
        {
            throw cursor.Error(4, $"GGUF version {version} is not supported (3)");
        }
        var tensorCount = cursor.Count("tensor count", minBytesEach: 8 + 4 + 8 + 4 + 8);
        var metadataCount = cursor.Count("metadata count", minBytesEach: 8 + 4 + 1);

        var metadata = new Dictionary<string, GgufValue>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0L; i < metadataCount; i++)
        {
            var at = cursor.Position;
            var key = cursor.String("metadata key");
            var type = cursor.ValueType("type of '" + key + "'");
            var value = ReadValue(cursor, type, key);
            if (!metadata.TryAdd(key, value))
            {
                throw cursor.Error(at, $"duplicate metadata key '{key}'");
            }
            order.Add(key);
        }

        var alignment = (long)GgufFormat.DefaultAlignment;
        if (metadata.TryGetValue(GgufFormat.AlignmentKey, out var alignmentValue))
        {
            alignment = alignmentValue.Value is uint a && a != 0 && (a & (a - 1)) == 0 ? a
                : throw cursor.Error(0, $"{GgufFormat.AlignmentKey} must be a power-of-two uint32");
        }

        var tensors = new List<GgufTensorInfo>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0L; i < tensorCount; i++)
        {
            var at = cursor.Position;
            var name = cursor.String("tensor name");
            if (!names.Add(name))
            {
                throw cursor.Error(at, $"duplicate tensor name '{name}'");
            }
            var dimensions = cursor.U32();
            if (dimensions is 0 or > GgufFormat.MaxDimensions)
            {
                throw cursor.Error(at, $"tensor '{name}': {dimensions} dimensions (1 to {GgufFormat.MaxDimensions})");
            }
            var shape = new long[dimensions];
            for (var d = 0; d < dimensions; d++)
            {
                var size = cursor.U64();
                shape[dimensions - 1 - d] = size is > 0 and <= long.MaxValue ? (long)size
                    : throw cursor.Error(at, $"tensor '{name}': dimension {d} is {size}");
            }
            var type = (GgmlType)cursor.U32();
            if (!GgmlTypes.IsKnown(type))
            {
                throw cursor.Error(at, $"tensor '{name}': ggml type {(uint)type} is not supported (F32, F16, BF16, Q8_0)");
            }
            var offset = cursor.U64();
            if (offset % (ulong)alignment != 0 || offset > long.MaxValue)
            {
                throw cursor.Error(at, $"tensor '{name}': data offset {offset} is not a multiple of the alignment {alignment}");
            }
            try
            {
                _ = GgmlTypes.TensorBytes(type, shape);
            }
            catch (Exception e) when (e is ArgumentException or OverflowException)
            {
                throw cursor.Error(at, $"tensor '{name}': {e.Message}");
            }
            tensors.Add(new GgufTensorInfo(name, shape, type, (long)offset));
        }

        var dataStart = GgufFormat.AlignUp(cursor.Position, alignment);
        CheckExtents(path, tensors, dataStart, stream.Length);
        return new GgufFile(path, version, metadata, order, tensors, alignment, dataStart);
    }

    private static void CheckExtents(string path, List<GgufTensorInfo> tensors, long dataStart, long fileLength)
    {
        var previousEnd = 0L;
        string? previous = null;
        foreach (var tensor in tensors.OrderBy(t => t.Offset))
        {
            if (tensor.Offset < previousEnd)
            {
                throw new InvalidDataException($"{path}: tensor '{tensor.Name}' overlaps tensor '{previous}'");
            }
            previousEnd = tensor.Offset + tensor.ByteLength;
            previous = tensor.Name;
            if (dataStart + previousEnd > fileLength)
            {
                throw new InvalidDataException(
                    $"{path}: tensor '{tensor.Name}' ends at byte {dataStart + previousEnd}, past the end of the file ({fileLength} bytes)");
            }
        }
    }

    private static GgufValue ReadValue(Cursor cursor, GgufValueType type, string key)
    {
        if (type != GgufValueType.Array)
        {
            return GgufValue.Read(type, ReadScalar(cursor, type, key));
        }
        var elementType = cursor.ValueType("element type of '" + key + "'");
        if (elementType == GgufValueType.Array)
        {
            throw cursor.Error(cursor.Position - 4, $"'{key}': nested arrays are not supported");
        }
        var count = cursor.Count($"length of '{key}'", minBytesEach: ScalarBytes(elementType));
        Array items = elementType switch
        {
            GgufValueType.UInt8 => new byte[count],
            GgufValueType.Int8 => new sbyte[count],
            GgufValueType.UInt16 => new ushort[count],
            GgufValueType.Int16 => new short[count],
            GgufValueType.UInt32 => new uint[count],
            GgufValueType.Int32 => new int[count],
            GgufValueType.Float32 => new float[count],
            GgufValueType.Bool => new bool[count],
            GgufValueType.String => new string[count],
            GgufValueType.UInt64 => new ulong[count],
            GgufValueType.Int64 => new long[count],
            _ => new double[count],
        };
        for (var i = 0; i < count; i++)
        {
            items.SetValue(ReadScalar(cursor, elementType, key), i);
        }
        return GgufValue.Read(type, items, elementType);
    }

    /// <summary>The fewest bytes one element can take, so that a length can be checked against the file.</summary>
    private static int ScalarBytes(GgufValueType type) => type switch
    {
        GgufValueType.UInt8 or GgufValueType.Int8 or GgufValueType.Bool => 1,
        GgufValueType.UInt16 or GgufValueType.Int16 => 2,
        GgufValueType.UInt32 or GgufValueType.Int32 or GgufValueType.Float32 => 4,
        _ => 8,
    };

    private static object ReadScalar(Cursor cursor, GgufValueType type, string key) => type switch
    {
        GgufValueType.UInt8 => cursor.Bytes(1)[0],
        GgufValueType.Int8 => (sbyte)cursor.Bytes(1)[0],
        GgufValueType.UInt16 => BitConverter.ToUInt16(cursor.Bytes(2)),
        GgufValueType.Int16 => BitConverter.ToInt16(cursor.Bytes(2)),
        GgufValueType.UInt32 => cursor.U32(),
        GgufValueType.Int32 => BitConverter.ToInt32(cursor.Bytes(4)),
        GgufValueType.Float32 => BitConverter.ToSingle(cursor.Bytes(4)),
        GgufValueType.Bool => cursor.Bytes(1)[0] switch
        {
            0 => false,
            1 => true,
            var b => throw cursor.Error(cursor.Position - 1, $"'{key}': bool byte {b} is neither 0 nor 1"),
        },
        GgufValueType.String => cursor.String($"string value of '{key}'"),
        GgufValueType.UInt64 => cursor.U64(),
        GgufValueType.Int64 => BitConverter.ToInt64(cursor.Bytes(8)),
        GgufValueType.Float64 => BitConverter.ToDouble(cursor.Bytes(8)),
        _ => throw cursor.Error(cursor.Position, $"'{key}': value type {type} is not a scalar"),
    };

    /// <summary>Reads little-endian fields and refuses to go past the end of the file.</summary>
    private sealed class Cursor(Stream stream, string path)
    {
        public long Position => stream.Position;

        public InvalidDataException Error(long offset, string message) => new($"{path}: byte {offset}: {message}");

        public byte[] Bytes(long count)
        {
            if (count > stream.Length - stream.Position)
            {
                throw Error(stream.Position, $"needs {count} more bytes, the file ends after {stream.Length - stream.Position}");
            }
            var bytes = new byte[count];
            stream.ReadExactly(bytes);
            return bytes;
        }

        public uint U32() => BitConverter.ToUInt32(Bytes(4));

        public ulong U64() => BitConverter.ToUInt64(Bytes(8));

        public GgufValueType ValueType(string what)
        {
            var type = U32();
            return type <= (uint)GgufValueType.Float64 ? (GgufValueType)type
                : throw Error(stream.Position - 4, $"{what}: unknown GGUF value type {type}");
        }

        /// <summary>A count whose items, at <paramref name="minBytesEach"/> bytes or more, must fit in the rest of the file.</summary>
        public int Count(string what, int minBytesEach)
        {
            var at = stream.Position;
            var count = U64();
            var room = (ulong)(stream.Length - stream.Position) / (ulong)minBytesEach;
            return count <= room && count <= int.MaxValue ? (int)count
                : throw Error(at, $"{what} {count} cannot fit in the {stream.Length - stream.Position} bytes left");
        }

        public string String(string what)
        {
            var at = stream.Position;
            var length = U64();
            if (length > MaxStringBytes || length > (ulong)(stream.Length - stream.Position))
            {
                throw Error(at, $"{what}: length {length} runs past the end of the file or the {MaxStringBytes}-byte limit");
            }
            try
            {
                return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Bytes((long)length));
            }
            catch (DecoderFallbackException)
            {
                throw Error(at, $"{what}: not valid UTF-8");
            }
        }
    }
}
