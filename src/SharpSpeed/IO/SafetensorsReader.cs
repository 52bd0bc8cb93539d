using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// Reads one .safetensors file: validates the whole header before touching data, then memory-maps the file and
/// copies each tensor straight into memory that torch allocated, converting floating dtypes tensor by tensor.
/// Peak memory is the loaded model plus one tensor (only when a dtype conversion is asked for).
/// </summary>
public static class SafetensorsReader
{
    /// <summary>Reads and validates the header only (no tensor data is read).</summary>
    public static SafetensorsHeader ReadHeader(string path)
    {
        using var stream = OpenRead(path);
        return ReadHeader(stream, path, out _);
    }

    /// <summary>Loads every tensor of the file, in file order; floating tensors are converted to <paramref name="dtype"/> when given.</summary>
    public static Dictionary<string, torch.Tensor> Load(string path, torch.ScalarType? dtype = null)
    {
        using var stream = OpenRead(path);
        var header = ReadHeader(stream, path, out var dataStart);
        var result = new Dictionary<string, torch.Tensor>(header.Tensors.Count, StringComparer.Ordinal);
        try
        {
            if (stream.Length == dataStart)
            {
                foreach (var entry in header.Tensors)
                {
                    result.Add(entry.Name, TensorBytes.ConvertIfRequested(torch.empty(entry.Shape, entry.DType), dtype));
                }
                return result;
            }
            using var map = MemoryMappedFile.CreateFromFile(stream, null, 0, MemoryMappedFileAccess.Read, HandleInheritability.None, leaveOpen: true);
            using var view = map.CreateViewStream(0, 0, MemoryMappedFileAccess.Read);
            foreach (var entry in header.Tensors)
            {
                var tensor = torch.empty(entry.Shape, entry.DType);
                try
                {
                    view.Position = dataStart + entry.Begin;
                    TensorBytes.ReadInto(view, tensor);
                }
                catch (Exception e) when (e is IOException or EndOfStreamException)
                {
                    tensor.Dispose();
                    throw new ModelFileException(path, $"tensor '{entry.Name}': cannot read its data ({HeaderOneLine(e)})", e);
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

    private static string HeaderOneLine(Exception e) => SafetensorsHeader.OneLine(e.Message);

    private static FileStream OpenRead(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"{path}: safetensors file not found", path);
        }
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1);
    }

    private static SafetensorsHeader ReadHeader(FileStream stream, string path, out long dataStart)
    {
        var fileLength = stream.Length;
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
