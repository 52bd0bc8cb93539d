using System.Text;
using System.Text.Json;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>One tensor as a safetensors header describes it; offsets are relative to the start of the data region.</summary>
public sealed record SafetensorsEntry(string Name, torch.ScalarType DType, long[] Shape, long Begin, long End)
{
    public long ByteLength => End - Begin;
}

/// <summary>
/// A parsed and fully validated safetensors header: the JSON object after the 8-byte little-endian length.
/// Validation follows the format's reference implementation: known dtypes, non-negative shapes whose element
/// count does not overflow, offsets whose span equals numel * element size, and tensors that tile the data
/// region exactly (no gaps, overlaps or trailing bytes).
/// </summary>
public sealed class SafetensorsHeader
{
    /// <summary>Largest header we accept; the reference implementation uses the same 100 MB cap.</summary>
    public const long MaxHeaderBytes = 100_000_000;

    private const string MetadataKey = "__metadata__";

    private SafetensorsHeader(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SafetensorsEntry> tensors)
    {
        Metadata = metadata;
        Tensors = tensors;
    }

    /// <summary>The free-form string map under <c>__metadata__</c> (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Tensors in the order their data appears in the file.</summary>
    public IReadOnlyList<SafetensorsEntry> Tensors { get; }

    /// <summary>Parses <paramref name="json"/> and checks it against a data region of <paramref name="dataLength"/> bytes.</summary>
    public static SafetensorsHeader Parse(ReadOnlySpan<byte> json, long dataLength, string path)
    {
        if (json.Length == 0 || json[0] != (byte)'{')
        {
            throw new ModelFileException(path, "safetensors header does not start with '{'");
        }
        if (!System.Text.Unicode.Utf8.IsValid(json))
        {
            throw new ModelFileException(path, "safetensors header is not valid UTF-8 JSON (invalid UTF-8 bytes)");
        }
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray(), new JsonDocumentOptions { MaxDepth = 8 });
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"safetensors header is not valid UTF-8 JSON ({OneLine(e.Message)})", e);
        }
        using (document)
        {
            return FromJson(document.RootElement, dataLength, path);
        }
    }

    private static SafetensorsHeader FromJson(JsonElement root, long dataLength, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, "safetensors header is not a JSON object");
        }
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        var tensors = new List<SafetensorsEntry>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var property in root.EnumerateObject())
        {
            if (!seen.Add(property.Name))
            {
                throw new ModelFileException(path, $"safetensors header names '{property.Name}' twice");
            }
            if (property.Name == MetadataKey)
            {
                ReadMetadata(property.Value, metadata, path);
            }
            else
            {
                tensors.Add(ReadEntry(property.Name, property.Value, path));
            }
        }
        tensors.Sort((a, b) => a.Begin != b.Begin ? a.Begin.CompareTo(b.Begin) : a.End.CompareTo(b.End));
        long expectedBegin = 0;
        foreach (var entry in tensors)
        {
            if (entry.Begin != expectedBegin)
            {
                var problem = entry.Begin < expectedBegin ? "overlaps the previous tensor" : "leaves a gap before it";
                throw new ModelFileException(path, $"tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] {problem} (expected begin {expectedBegin})");
            }
            if (entry.End > dataLength)
            {
                throw new ModelFileException(path, $"tensor '{entry.Name}': data_offsets [{entry.Begin}, {entry.End}] run past the end of the data ({dataLength} bytes; file truncated?)");
            }
            expectedBegin = entry.End;
        }
        if (expectedBegin != dataLength)
        {
            throw new ModelFileException(path, $"safetensors data region has {dataLength} bytes but the tensors cover {expectedBegin}");
        }
        return new SafetensorsHeader(metadata, tensors);
    }

    private static void ReadMetadata(JsonElement value, Dictionary<string, string> metadata, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, "safetensors __metadata__ is not a JSON object");
        }
        foreach (var item in value.EnumerateObject())
        {
            if (item.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException(path, $"safetensors __metadata__ key '{item.Name}' is not a string");
            }
            if (!metadata.TryAdd(item.Name, item.Value.GetString()!))
            {
                throw new ModelFileException(path, $"safetensors __metadata__ names '{item.Name}' twice");
            }
        }
    }

    private static SafetensorsEntry ReadEntry(string name, JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, $"tensor '{name}': header entry is not a JSON object");
        }
        string? dtypeName = null;
        long[]? shape = null;
        long[]? offsets = null;
        foreach (var field in value.EnumerateObject())
        {
            switch (field.Name)
            {
                case "dtype" when dtypeName is null:
                    dtypeName = field.Value.ValueKind == JsonValueKind.String
                        ? field.Value.GetString()!
                        : throw new ModelFileException(path, $"tensor '{name}': dtype is not a string");
                    break;
                case "shape" when shape is null:
                    shape = ReadNonNegativeIntegers(field.Value, name, "shape", path);
                    break;
                case "data_offsets" when offsets is null:
                    offsets = ReadNonNegativeIntegers(field.Value, name, "data_offsets", path);
                    break;
                case "dtype" or "shape" or "data_offsets":
                    throw new ModelFileException(path, $"tensor '{name}': field '{field.Name}' appears twice");
                default:
                    throw new ModelFileException(path, $"tensor '{name}': unknown header field '{field.Name}'");
            }
        }
        if (dtypeName is null || shape is null || offsets is null)
        {
            throw new ModelFileException(path, $"tensor '{name}': header entry needs dtype, shape and data_offsets");
        }
        if (!SafetensorsDType.TryParse(dtypeName, out var dtype))
        {
            throw new ModelFileException(path, $"tensor '{name}': unsupported dtype '{dtypeName}' (supported: {SafetensorsDType.KnownNames})");
        }
        if (offsets.Length != 2)
        {
            throw new ModelFileException(path, $"tensor '{name}': data_offsets must have 2 entries, has {offsets.Length}");
        }
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin > end)
        {
            throw new ModelFileException(path, $"tensor '{name}': data_offsets begin {begin} > end {end}");
        }
        var expectedBytes = ByteCount(shape, SafetensorsDType.SizeOf(dtype), name, path);
        if (end - begin != expectedBytes)
        {
            throw new ModelFileException(path, $"tensor '{name}': data_offsets span {end - begin} bytes but {dtypeName}[{string.Join(",", shape)}] needs {expectedBytes}");
        }
        return new SafetensorsEntry(name, dtype, shape, begin, end);
    }

    /// <summary>numel * elementSize, refusing shapes whose size does not fit in a long.</summary>
    internal static long ByteCount(long[] shape, int elementSize, string tensor, string path)
    {
        try
        {
            long count = elementSize;
            foreach (var dim in shape)
            {
                count = checked(count * dim);
            }
            return count;
        }
        catch (OverflowException)
        {
            throw new ModelFileException(path, $"tensor '{tensor}': shape [{string.Join(",", shape)}] is too large (byte count overflows)");
        }
    }

    private static long[] ReadNonNegativeIntegers(JsonElement value, string tensor, string field, string path)
    {
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw new ModelFileException(path, $"tensor '{tensor}': {field} is not a JSON array");
        }
        var result = new long[value.GetArrayLength()];
        var i = 0;
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetInt64(out var number) || number < 0)
            {
                throw new ModelFileException(path, $"tensor '{tensor}': {field} entry {item.GetRawText()} is not a non-negative integer");
            }
            result[i++] = number;
        }
        return result;
    }

    internal static string OneLine(string text) => text.ReplaceLineEndings(" ");

    /// <summary>Serializes a header in the reference writer's compact form, padded with spaces to a multiple of 8 bytes.</summary>
    internal static byte[] Serialize(IReadOnlyDictionary<string, string> metadata, IReadOnlyList<SafetensorsEntry> tensors)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            writer.WriteStartObject();
            if (metadata.Count > 0)
            {
                writer.WriteStartObject(MetadataKey);
                foreach (var (key, text) in metadata.OrderBy(pair => pair.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, text);
                }
                writer.WriteEndObject();
            }
            foreach (var entry in tensors)
            {
                writer.WriteStartObject(entry.Name);
                writer.WriteString("dtype", SafetensorsDType.NameOf(entry.DType));
                writer.WriteStartArray("shape");
                foreach (var dim in entry.Shape)
                {
                    writer.WriteNumberValue(dim);
                }
                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(entry.Begin);
                writer.WriteNumberValue(entry.End);
                writer.WriteEndArray();
                writer.WriteEndObject();
            }
            writer.WriteEndObject();
        }
        var padding = (int)((8 - buffer.Length % 8) % 8);
        buffer.Write(Encoding.ASCII.GetBytes(new string(' ', padding)));
        return buffer.ToArray();
    }
}
