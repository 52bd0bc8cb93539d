using System.Buffers.Binary;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// Writes one .safetensors file the way the reference writer does (tensors ordered by dtype width then name,
/// compact JSON header padded with spaces to 8 bytes), streaming tensor data to disk one tensor at a time.
/// The file appears atomically: it is written beside the target and renamed into place.
/// </summary>
public static class SafetensorsWriter
{
    /// <summary>HF's convention for PyTorch weights; transformers checks it when loading.</summary>
    public static IReadOnlyDictionary<string, string> PyTorchMetadata { get; } =
        new Dictionary<string, string>(StringComparer.Ordinal) { ["format"] = "pt" };

    public static void Save(string path, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var ordered = tensors
            .OrderBy(pair => SafetensorsDType.WriteOrder(pair.Value.dtype))
            .ThenBy(pair => pair.Key, StringComparer.Ordinal)
            .ToList();
        var entries = new List<SafetensorsEntry>(ordered.Count);
        var names = new HashSet<string>(StringComparer.Ordinal);
        long offset = 0;
        foreach (var (name, tensor) in ordered)
        {
            if (name == "__metadata__" || !names.Add(name))
            {
                throw new ArgumentException($"{path}: tensor name '{name}' is reserved or given twice", nameof(tensors));
            }
            var shape = tensor.shape;
            var bytes = SafetensorsHeader.ByteCount(shape, SafetensorsDType.SizeOf(tensor.dtype), name, path);
            entries.Add(new SafetensorsEntry(name, tensor.dtype, shape, offset, offset + bytes));
            offset += bytes;
        }
        var header = SafetensorsHeader.Serialize(metadata ?? PyTorchMetadata, entries);

        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temporary = path + ".tmp";
        try
        {
            using (var stream = new FileStream(temporary, FileMode.Create, FileAccess.Write, FileShare.None, bufferSize: 1 << 20))
            {
                Span<byte> length = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)header.Length);
                stream.Write(length);
                stream.Write(header);
                foreach (var (_, tensor) in ordered)
                {
                    TensorBytes.WriteFrom(tensor, stream);
                }
                stream.Flush(flushToDisk: true);
            }
            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            File.Delete(temporary);
        }
    }
}
