using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// Reads one .safetensors file: validates the whole header before touching data, then memory-maps the file and
/// copies each tensor straight into memory that torch allocated, converting floating dtypes tensor by tensor.
/// Private memory peaks at the loaded model plus one tensor (the latter only when a dtype conversion is asked
/// for); the mapped file pages are shared, reclaimable page cache, not a second copy.
/// </summary>
public static class SafetensorsReader
{
    /// <summary>Reads and validates the header only (no tensor data is read).</summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, stream.Length, path, out _);
    }

    /// <summary>Loads every tensor of the file, in file order; floating tensors are converted to <paramref name="dtype"/> when given.</summary>
    public static Dictionary<string, torch.Tensor> Load(string path, torch.ScalarType? dtype = null)
    {
        using var file = OpenRead(path);
        var length = file.Length;
        if (length < 8)
        {
            // Too short to map (an empty file cannot be mapped); the header check reports it.
            return Load(file, length, path, dtype);
        }
        using var map = MemoryMappedFile.CreateFromFile(file, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
        using var view = map.CreateViewStream(0, 0, MemoryMappedFileAccess.Read);
        return Load(view, length, path, dtype);
    }

    /// <summary>
    /// Loads from a seekable <paramref name="source"/> holding a safetensors file of <paramref name="length"/> bytes
    /// (a memory-mapped view in production; the stream may be longer, e.g. page-rounded).
    /// </summary>
    internal static Dictionary<string, torch.Tensor> Load(Stream source, long length, string path, torch.ScalarType? dtype)
    {
        var header = ReadHeader(source, length, path, out var dataStart);
        var result = new Dictionary<string, torch.Tensor>(header.Tensors.Count, StringComparer.Ordinal);
        try
        {
            foreach (var entry in header.Tensors)
            {
                var tensor = torch.empty(entry.Shape, entry.DType);
                try
                {
                    source.Position = dataStart + entry.Begin;
                    TensorBytes.ReadInto(source, tensor);
                }
                catch (Exception e) when (e is IOException or EndOfStreamException)
                {
                    tensor.Dispose();
                    throw new ModelFileException(path, $"tensor '{entry.Name}': cannot read its data ({SafetensorsHeader.OneLine(e.Message)})", e);
                }
                result.Add(entry.Name, TensorBytes.ConvertIfRequested(tensor, dtype));
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
    }

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: safetensors file not found", path);
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
    }

    private static SafetensorsHeader ReadHeader(Stream stream, long fileLength, string path, out long dataStart)
    {
        stream.Position = 0;
        Span<byte> lengthBytes = stackalloc byte[8];
        if (fileLength < 8)
        {
            throw new ModelFileException(path, $"file has {fileLength} bytes, too short for a safetensors header length (truncated?)");
        }
        stream.ReadExactly(lengthBytes);
        var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lengthBytes);
        if (headerLength > SafetensorsHeader.MaxHeaderBytes)
        {
            throw new ModelFileException(path, $"safetensors header claims {headerLength} bytes, more than the {SafetensorsHeader.MaxHeaderBytes}-byte limit (not a safetensors file?)");
        }
        if ((long)headerLength > fileLength - 8)
        {
            throw new ModelFileException(path, $"safetensors header claims {headerLength} bytes but only {fileLength - 8} follow (truncated?)");
        }
        var json = new byte[headerLength];
        stream.ReadExactly(json);
        dataStart = 8 + (long)headerLength;
        return SafetensorsHeader.Parse(json, fileLength - dataStart, path);
    }
}
