using System.Text.Unicode;

namespace SharpSpeed.Data.Readers;

/// <summary>One line of a text file as its raw bytes (without the line break), numbered from 1.</summary>
public readonly record struct RawLine(long Number, byte[] Bytes)
{
    /// <summary>The byte offset of the first invalid UTF-8 sequence, or null when the line is valid UTF-8.</summary>
    public int? FirstInvalidUtf8()
    {
        if (Utf8.IsValid(Bytes))
        {
            return null;
        }
        // Rare path: find where decoding stops, for the error line.
        var status = Utf8.ToUtf16(Bytes, new char[Bytes.Length], out var read, out _, replaceInvalidSequences: false);
        return status == System.Buffers.OperationStatus.Done ? Bytes.Length : read;
    }
}

/// <summary>
/// Splits a stream into lines of raw bytes, so that a line which is not UTF-8 can be named by its number instead of
/// being silently decoded with replacement characters. A leading UTF-8 byte order mark and a trailing '\r' are dropped.
/// </summary>
public static class Utf8Lines
{
    public static IEnumerable<RawLine> Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var buffer = new byte[1 << 16];
        var pending = new MemoryStream();
        long number = 0;
        var start = true;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            var offset = 0;
            if (start && read >= 3 && buffer[0] == 0xEF && buffer[1] == 0xBB && buffer[2] == 0xBF)
            {
                offset = 3;
            }
            start = false;
            while (offset < read)
            {
                var end = Array.IndexOf(buffer, (byte)'\n', offset, read - offset);
                if (end < 0)
                {
                    pending.Write(buffer, offset, read - offset);
                    break;
                }
                pending.Write(buffer, offset, end - offset);
                offset = end + 1;
                yield return new RawLine(++number, Take(pending));
            }
        }
        if (pending.Length > 0)
        {
            yield return new RawLine(++number, Take(pending));
        }
    }

    private static byte[] Take(MemoryStream pending)
    {
        var length = (int)pending.Length;
        if (length > 0 && pending.GetBuffer()[length - 1] == (byte)'\r')
        {
            length--;
        }
        var line = pending.GetBuffer().AsSpan(0, length).ToArray();
        pending.SetLength(0);
        return line;
    }
}
