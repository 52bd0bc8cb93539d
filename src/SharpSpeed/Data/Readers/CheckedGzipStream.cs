using System.IO.Compression;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// A gzip file's decompressed bytes, checked at their end against the file's trailer (CRC32 and size of the data,
/// RFC 1952). The decompressor alone ends quietly when a file was cut at a flush point, so a cut file would read as
/// a shorter data set; this turns it into one error naming the file. Known limit: a file of several concatenated
/// gzip members is checked against its last member's trailer and is refused.
/// </summary>
public sealed class CheckedGzipStream : Stream
{
    private const int TrailerBytes = 8;
    private const int MinimumFileBytes = 10 + TrailerBytes;
    private static readonly uint[] Table = BuildTable();

    private readonly string _path;
    private readonly GZipStream _inner;
    private readonly uint _expectedCrc;
    private readonly uint _expectedSize;
    private uint _crc = 0xFFFFFFFFu;
    private long _length;
    private bool _checked;

    private CheckedGzipStream(string path, GZipStream inner, uint expectedCrc, uint expectedSize)
    {
        _path = path;
        _inner = inner;
        _expectedCrc = expectedCrc;
        _expectedSize = expectedSize;
    }

    /// <summary>Opens <paramref name="file"/> (positioned at its start, which holds the gzip magic) for checked reading.</summary>
    public static CheckedGzipStream Open(string path, FileStream file)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (file.Length < MinimumFileBytes)
        {
            throw new InvalidDataException($"{path}: truncated gzip file ({file.Length} bytes, shorter than a gzip header and trailer)");
        }
        Span<byte> trailer = stackalloc byte[TrailerBytes];
        RandomAccess.Read(file.SafeFileHandle, trailer, file.Length - TrailerBytes);
        var crc = BitConverter.ToUInt32(trailer[..4]);
        var size = BitConverter.ToUInt32(trailer[4..]);
        if (!BitConverter.IsLittleEndian)
        {
            crc = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(crc);
            size = System.Buffers.Binary.BinaryPrimitives.ReverseEndianness(size);
        }
        return new CheckedGzipStream(path, new GZipStream(file, CompressionMode.Decompress), crc, size);
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int read;
        try
        {
            read = _inner.Read(buffer);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{_path}: corrupt gzip data ({e.Message})", e);
        }
        if (read == 0 && buffer.Length > 0)
        {
            Finish();
            return 0;
        }
        var crc = _crc;
        foreach (var b in buffer[..read])
        {
            crc = Table[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }
        _crc = crc;
        _length += read;
        return read;
    }

    private void Finish()
    {
        if (_checked)
        {
            return;
        }
        _checked = true;
        var crc = ~_crc;
        if (crc != _expectedCrc || (uint)_length != _expectedSize)
        {
            throw new InvalidDataException(
                $"{_path}: truncated or corrupt gzip file: its trailer says {_expectedSize} bytes with CRC32 {_expectedCrc:x8}, " +
                $"but the compressed data ended after {_length} bytes with CRC32 {crc:x8}");
        }
    }

    private static uint[] BuildTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            var c = n;
            for (var k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320u ^ (c >> 1) : c >> 1;
            }
            table[n] = c;
        }
        return table;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _length; set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }
}
