using System.Buffers.Binary;
using System.IO.MemoryMappedFiles;
using System.Security.Cryptography;
using System.Text.Json;
using SharpSpeed.Data.Batching;

namespace SharpSpeed.Data.Cache;

/// <summary>
/// A token cache opened read-only through a memory map. <see cref="TryOpen"/> validates the layout (magic,
/// version, every offset and length against the file size, monotonic example offsets, the checksum) and
/// returns null with a reason for a torn, corrupted or foreign file instead of trusting it.
/// </summary>
public sealed class TokenCacheFile : IDisposable
{
    private readonly MemoryMappedFile _map;
    private readonly MemoryMappedViewAccessor _view;
    private readonly long[] _offsets;
    private readonly long _maskStart;

    private TokenCacheFile(string path, MemoryMappedFile map, MemoryMappedViewAccessor view, long[] offsets,
        long tokens, TokenCacheHeader header)
    {
        Path = path;
        _map = map;
        _view = view;
        _offsets = offsets;
        _maskStart = TokenCacheLayout.MaskStart(tokens);
        TokenCount = tokens;
        Header = header;
    }

    public string Path { get; }

    public TokenCacheHeader Header { get; }

    public int Count => _offsets.Length - 1;

    public long TokenCount { get; }

    public int Length(int index) => checked((int)(_offsets[index + 1] - _offsets[index]));

    public TokenizedExample this[int index]
    {
        get
        {
            ArgumentOutOfRangeException.ThrowIfNegative(index);
            ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Count);
            var length = Length(index);
            var ids = new int[length];
            var mask = new byte[length];
            _view.ReadArray(TokenCacheLayout.PrefixBytes + 4 * _offsets[index], ids, 0, length);
            _view.ReadArray(_maskStart + _offsets[index], mask, 0, length);
            var labels = new int[length];
            for (var i = 0; i < length; i++)
            {
                labels[i] = mask[i] != 0 ? ids[i] : TokenizedExample.IgnoreIndex;
            }
            return new TokenizedExample(ids, labels);
        }
    }

    /// <summary>Opens and validates <paramref name="path"/>; null (with <paramref name="problem"/>) when it is not a
    /// whole, intact cache file.</summary>
    public static TokenCacheFile? TryOpen(string path, out string problem, bool verifyChecksum = true)
    {
        if (!File.Exists(path))
        {
            problem = "no cache file";
            return null;
        }
        try
        {
            var length = new FileInfo(path).Length;
            problem = CheckLayout(path, length, verifyChecksum, out var tokens, out var offsets, out var header);
            if (header is null)
            {
                return null;
            }
            var map = MemoryMappedFile.CreateFromFile(path, FileMode.Open, null, 0, MemoryMappedFileAccess.Read);
            var view = map.CreateViewAccessor(0, 0, MemoryMappedFileAccess.Read);
            return new TokenCacheFile(path, map, view, offsets, tokens, header);
        }
        catch (IOException e)
        {
            problem = $"cannot read: {e.Message}";
            return null;
        }
    }

    private static string CheckLayout(string path, long length, bool verifyChecksum, out long tokens, out long[] offsets,
        out TokenCacheHeader? header)
    {
        tokens = 0;
        offsets = [];
        header = null;
        if (length < TokenCacheLayout.PrefixBytes + TokenCacheLayout.TrailerBytes)
        {
            return $"torn: {length} bytes is shorter than an empty cache";
        }
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 20);
        Span<byte> prefix = stackalloc byte[TokenCacheLayout.PrefixBytes];
        file.ReadExactly(prefix);
        if (!prefix[..8].SequenceEqual(TokenCacheLayout.StartMagic))
        {
            return "not a SharpSpeed token cache (bad magic)";
        }
        var version = BinaryPrimitives.ReadInt32LittleEndian(prefix[8..]);
        if (version != TokenCacheLayout.FormatVersion)
        {
            return $"format version {version}, expected {TokenCacheLayout.FormatVersion}";
        }
        var trailerStart = length - TokenCacheLayout.TrailerBytes;
        Span<byte> trailer = stackalloc byte[TokenCacheLayout.TrailerBytes];
        file.Position = trailerStart;
        file.ReadExactly(trailer);
        if (!trailer[^8..].SequenceEqual(TokenCacheLayout.EndMagic))
        {
            return "torn: end marker missing";
        }
        tokens = BinaryPrimitives.ReadInt64LittleEndian(trailer);
        var examples = BinaryPrimitives.ReadInt64LittleEndian(trailer[8..]);
        var offsetsStart = BinaryPrimitives.ReadInt64LittleEndian(trailer[16..]);
        var jsonStart = BinaryPrimitives.ReadInt64LittleEndian(trailer[24..]);
        var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(trailer[32..]);
        if (tokens < 0 || examples < 0 || jsonLength < 0 || tokens > length || examples > length / 8
            || offsetsStart != TokenCacheLayout.OffsetsStart(tokens)
            || jsonStart != TokenCacheLayout.JsonStart(tokens, examples)
            || jsonStart + jsonLength != trailerStart)
        {
            return "torn: section sizes do not add up to the file size";
        }
        if (verifyChecksum)
        {
            file.Position = 0;
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            var buffer = new byte[1 << 20];
            var remaining = length - TokenCacheLayout.ChecksumBytes - 8;
            while (remaining > 0)
            {
                var read = file.Read(buffer, 0, (int)Math.Min(buffer.Length, remaining));
                if (read == 0)
                {
                    return "torn: file ended early";
                }
                hash.AppendData(buffer, 0, read);
                remaining -= read;
            }
            if (!hash.GetHashAndReset().AsSpan().SequenceEqual(trailer.Slice(40, TokenCacheLayout.ChecksumBytes)))
            {
                return "corrupted: checksum mismatch";
            }
        }
        offsets = new long[examples + 1];
        file.Position = offsetsStart;
        var offsetBytes = new byte[8 * offsets.Length];
        file.ReadExactly(offsetBytes);
        for (var i = 0; i < offsets.Length; i++)
        {
            offsets[i] = BinaryPrimitives.ReadInt64LittleEndian(offsetBytes.AsSpan(8 * i));
            if ((i == 0 && offsets[i] != 0) || (i > 0 && (offsets[i] < offsets[i - 1] || offsets[i] > tokens)))
            {
                return $"corrupted: example offset {i} out of order or range";
            }
        }
        if (offsets[^1] != tokens)
        {
            return "corrupted: offsets do not end at the token count";
        }
        var json = new byte[jsonLength];
        file.Position = jsonStart;
        file.ReadExactly(json);
        try
        {
            header = JsonSerializer.Deserialize<TokenCacheHeader>(json, TokenCacheJson.Options);
        }
        catch (JsonException e)
        {
            return $"corrupted: header JSON: {e.Message}";
        }
        return header is null ? "corrupted: empty header" : string.Empty;
    }

    public void Dispose()
    {
        _view.Dispose();
        _map.Dispose();
    }
}
