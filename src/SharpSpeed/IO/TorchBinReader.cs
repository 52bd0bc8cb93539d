using System.IO.Compression;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// Reads PyTorch zip-format checkpoints (<c>torch.save</c> of a state dict, torch >= 1.6, e.g. HF
/// <c>pytorch_model.bin</c>) without executing anything: <c>data.pkl</c> runs through the restricted
/// <see cref="TorchPickleMachine"/>, and each storage is streamed from its <c>data/N</c> entry straight into
/// torch memory after its size, offset and strides are checked against the entry.
/// </summary>
public static class TorchBinReader
{
    /// <summary>Largest data.pkl we interpret; a state dict's pickle holds names and shapes only (KBs to a few MB).</summary>
    private const long MaxPickleBytes = 32_000_000;

    public static Dictionary<string, torch.Tensor> Load(string path, torch.ScalarType? dtype = null)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: PyTorch checkpoint not found", path);
        }
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        return Load(file, path, dtype);
    }

    /// <summary>Loads from a seekable stream holding the whole checkpoint; <paramref name="path"/> names it in errors.</summary>
    internal static Dictionary<string, torch.Tensor> Load(Stream checkpoint, string path, torch.ScalarType? dtype)
    {
        Span<byte> magic = stackalloc byte[4];
        if (checkpoint.ReadAtLeast(magic, 4, throwOnEndOfStream: false) < 4 || !magic.SequenceEqual("PK\x03\x04"u8))
        {
            throw new ModelFileException(path,
                "not a zip-format PyTorch checkpoint (the legacy pre-1.6 torch.save format is not supported: re-save it with a newer torch or convert to safetensors)");
        }
        checkpoint.Position = 0;
        try
        {
            using var archive = new ZipArchive(checkpoint, ZipArchiveMode.Read, leaveOpen: true);
            return Load(archive, checkpoint.Length, path, dtype);
        }
        catch (InvalidDataException e)
        {
            throw new ModelFileException(path, $"corrupt zip archive ({SafetensorsHeader.OneLine(e.Message)})", e);
        }
    }

    private static Dictionary<string, torch.Tensor> Load(ZipArchive archive, long archiveBytes, string path, torch.ScalarType? dtype)
    {
        var pickles = archive.Entries.Where(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                                                 && e.FullName.IndexOf('/', StringComparison.Ordinal) == e.FullName.Length - "/data.pkl".Length).ToList();
        if (pickles.Count != 1)
        {
            throw new ModelFileException(path, $"expected one <archive>/data.pkl entry, found {pickles.Count}");
        }
        var prefix = pickles[0].FullName[..^"data.pkl".Length];
        var byteOrder = archive.GetEntry(prefix + "byteorder");
        if (byteOrder is not null && ReadSmallText(byteOrder, path) != "little")
        {
            throw new ModelFileException(path, "checkpoint was written on a big-endian machine; only little-endian is supported");
        }
        if (pickles[0].Length > MaxPickleBytes)
        {
            throw new ModelFileException(path, $"data.pkl is {pickles[0].Length} bytes, over the {MaxPickleBytes}-byte limit for a state dict");
        }
        var code = ReadAll(pickles[0], path);
        var stateDict = ToStateDict(TorchPickleMachine.Run(code, path), path);
        return Materialize(archive, archiveBytes, prefix, stateDict, path, dtype);
    }

    private static List<(string Name, TorchTensorRef Tensor)> ToStateDict(object? root, string path)
    {
        if (root is not PickleDict dict)
        {
            throw new ModelFileException(path, "checkpoint's top-level object is not a dict of tensors");
        }
        var result = new List<(string, TorchTensorRef)>(dict.Items.Count);
        foreach (var (key, value) in dict.Items)
        {
            if (key is not string name)
            {
                throw new ModelFileException(path, $"state dict key {key} is not a string");
            }
            if (value is not TorchTensorRef tensor)
            {
                throw new ModelFileException(path, $"state dict entry '{name}' is not a tensor");
            }
            result.Add((name, tensor));
        }
        return result;
    }

    private static Dictionary<string, torch.Tensor> Materialize(
        ZipArchive archive, long archiveBytes, string prefix, List<(string Name, TorchTensorRef Tensor)> stateDict, string path, torch.ScalarType? dtype)
    {
        foreach (var (name, tensor) in stateDict)
        {
            CheckBounds(name, tensor, path);
        }
        var result = new Dictionary<string, torch.Tensor>(stateDict.Count, StringComparer.Ordinal);
        var storages = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        var claimed = new HashSet<string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, reference) in stateDict)
            {
                var storageRef = reference.Storage;
                if (!storages.TryGetValue(storageRef.Key, out var storage))
                {
                    storage = ReadStorage(archive, archiveBytes, prefix, storageRef, name, path);
                    storages.Add(storageRef.Key, storage);
                }
                var view = storage.as_strided(reference.Size, reference.Stride, reference.StorageOffset);
                // The first tensor that is exactly its whole storage takes it over; views, slices and aliases get
                // their own compact copy so tensors never share memory and a small slice never pins a big storage.
                var ownsStorage = reference.StorageOffset == 0 && view.numel() == storageRef.ElementCount
                                  && view.is_contiguous() && claimed.Add(storageRef.Key);
                var tensor = view;
                if (!ownsStorage)
                {
                    tensor = view.is_contiguous() ? view.clone() : view.contiguous();
                    view.Dispose();
                }
                if (!result.TryAdd(name, TensorBytes.ConvertIfRequested(tensor, dtype)))
                {
                    tensor.Dispose();
                    throw new ModelFileException(path, $"state dict names tensor '{name}' twice");
                }
            }
            return result;
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
        finally
        {
            foreach (var storage in storages.Values)
            {
                storage.Dispose();
            }
        }
    }

    /// <summary>Every element the strided view can touch must lie inside the storage.</summary>
    private static void CheckBounds(string name, TorchTensorRef tensor, string path)
    {
        string Shape() => $"size [{string.Join(",", tensor.Size)}], stride [{string.Join(",", tensor.Stride)}], offset {tensor.StorageOffset}";
        if (tensor.StorageOffset < 0 || tensor.Size.Any(d => d < 0) || tensor.Stride.Any(s => s < 0))
        {
            throw new ModelFileException(path, $"tensor '{name}': negative {Shape()}");
        }
        if (tensor.Size.Contains(0))
        {
            return;
        }
        try
        {
            var last = tensor.StorageOffset;
            for (var i = 0; i < tensor.Size.Length; i++)
            {
                last = checked(last + (tensor.Size[i] - 1) * tensor.Stride[i]);
            }
            if (last >= tensor.Storage.ElementCount)
            {
                throw new ModelFileException(path, $"tensor '{name}': {Shape()} reaches element {last} of a {tensor.Storage.ElementCount}-element storage");
            }
        }
        catch (OverflowException)
        {
            throw new ModelFileException(path, $"tensor '{name}': {Shape()} overflows");
        }
    }

    private static torch.Tensor ReadStorage(ZipArchive archive, long archiveBytes, string prefix, TorchStorageRef storage, string tensor, string path)
    {
        var entryName = prefix + "data/" + storage.Key;
        var entry = archive.GetEntry(entryName)
                    ?? throw new ModelFileException(path, $"tensor '{tensor}': storage entry '{entryName}' is missing");
        var expected = SafetensorsHeader.ByteCount([storage.ElementCount], SafetensorsDType.SizeOf(storage.DType), tensor, path);
        // Sizes in a zip directory are claims: bound them by the archive's real size (deflate expands at most
        // ~1032x) before allocating, so a tiny hostile file cannot request a huge tensor.
        if (entry.CompressedLength > archiveBytes || entry.Length > entry.CompressedLength * 1100 + 1024)
        {
            throw new ModelFileException(path, $"tensor '{tensor}': storage '{entryName}' claims {entry.Length} bytes, impossible for a {archiveBytes}-byte archive");
        }
        if (entry.Length != expected)
        {
            throw new ModelFileException(path, $"tensor '{tensor}': storage '{entryName}' has {entry.Length} bytes, expected {expected} ({storage.ElementCount} x {storage.DType})");
        }
        var result = torch.empty(storage.ElementCount, storage.DType);
        try
        {
            using var stream = entry.Open();
            TensorBytes.ReadInto(stream, result);
            return result;
        }
        catch (Exception e) when (e is EndOfStreamException or InvalidDataException)
        {
            result.Dispose();
            throw new ModelFileException(path, $"tensor '{tensor}': storage '{entryName}' is truncated or corrupt", e);
        }
    }

    private static string ReadSmallText(ZipArchiveEntry entry, string path) =>
        entry.Length <= 64
            ? System.Text.Encoding.ASCII.GetString(ReadAll(entry, path)).Trim()
            : throw new ModelFileException(path, $"'{entry.FullName}' is {entry.Length} bytes, expected a short text");

    private static byte[] ReadAll(ZipArchiveEntry entry, string path)
    {
        var bytes = new byte[entry.Length];
        try
        {
            using var stream = entry.Open();
            stream.ReadExactly(bytes);
        }
        catch (EndOfStreamException e)
        {
            throw new ModelFileException(path, $"'{entry.FullName}' is truncated", e);
        }
        return bytes;
    }
}
