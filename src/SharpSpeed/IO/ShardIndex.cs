using System.Text.Json;

namespace SharpSpeed.IO;

/// <summary>
/// A HF shard index (<c>model.safetensors.index.json</c> / <c>pytorch_model.bin.index.json</c>):
/// <c>{"metadata": {"total_size": bytes}, "weight_map": {tensor: shard file}}</c>.
/// </summary>
public sealed record ShardIndex(long? TotalSize, IReadOnlyDictionary<string, string> WeightMap)
{
    /// <summary>Largest index file we parse; real ones are well under 1 MB.</summary>
    private const long MaxIndexBytes = 100_000_000;

    /// <summary>Shard files in the order their first tensor appears in a name-sorted weight map.</summary>
    public IReadOnlyList<string> ShardFiles =>
        WeightMap.Values.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();

    public static ShardIndex Read(string path)
    {
        var info = new FileInfo(path);
        if (!info.Exists)
        {
            throw new FileNotFoundException($"{path}: shard index not found", path);
        }
        if (info.Length > MaxIndexBytes)
        {
            throw new ModelFileException(path, $"shard index is {info.Length} bytes, over the {MaxIndexBytes}-byte limit");
        }
        var bytes = File.ReadAllBytes(path);
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new ModelFileException(path, "shard index is not valid UTF-8");
        }
        try
        {
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { MaxDepth = 8 });
            return FromJson(document.RootElement, path);
        }
        catch (JsonException e)
        {
            throw new ModelFileException(path, $"shard index is not valid JSON ({SafetensorsHeader.OneLine(e.Message)})", e);
        }
    }

    private static ShardIndex FromJson(JsonElement root, string path)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, "shard index is not a JSON object");
        }
        long? totalSize = null;
        if (root.TryGetProperty("metadata", out var metadata) && metadata.ValueKind == JsonValueKind.Object
            && metadata.TryGetProperty("total_size", out var total))
        {
            totalSize = total.ValueKind == JsonValueKind.Number && total.TryGetInt64(out var bytes) && bytes >= 0
                ? bytes
                : throw new ModelFileException(path, $"shard index metadata.total_size {total.GetRawText()} is not a non-negative integer");
        }
        if (!root.TryGetProperty("weight_map", out var map) || map.ValueKind != JsonValueKind.Object)
        {
            throw new ModelFileException(path, "shard index has no \"weight_map\" object");
        }
        var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var entry in map.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new ModelFileException(path, $"weight_map entry '{entry.Name}' is not a file name string");
            }
            var file = entry.Value.GetString()!;
            if (!IsPlainFileName(file))
            {
                throw new ModelFileException(path, $"weight_map entry '{entry.Name}' names '{file}', which is not a file in the model folder");
            }
            if (!weightMap.TryAdd(entry.Name, file))
            {
                throw new ModelFileException(path, $"weight_map names tensor '{entry.Name}' twice");
            }
        }
        return new ShardIndex(totalSize, weightMap);
    }

    /// <summary>Shards must sit beside the index: no directories, no "..", no rooted paths.</summary>
    private static bool IsPlainFileName(string file) =>
        file.Length > 0 && file != "." && file != ".." && file.IndexOfAny(['/', '\\', '\0']) < 0;

    /// <summary>Writes the index as HF transformers does: sorted keys, 2-space indent, trailing newline.</summary>
    public void Write(string path)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions
        {
            Indented = true,
            NewLine = "\n",
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            if (TotalSize is { } total)
            {
                writer.WriteNumber("total_size", total);
            }
            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (var (tensor, file) in WeightMap.OrderBy(pair => pair.Key, StringComparer.Ordinal))
            {
                writer.WriteString(tensor, file);
            }
            writer.WriteEndObject();
            writer.WriteEndObject();
        }
        buffer.WriteByte((byte)'\n');
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, buffer.ToArray());
        File.Move(temporary, path, overwrite: true);
    }
}
