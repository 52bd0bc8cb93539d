namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// GPT-2's byte-to-character table used by ByteLevel pre-tokenizers and decoders: printable Latin-1 bytes
/// stand for themselves, the other 68 bytes get the characters U+0100.. in byte order, so every byte
/// sequence becomes a string of visible characters that BPE can work on.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToCharTable = BuildByteToChar();
    private static readonly short[] CharToByteTable = BuildCharToByte();

    public static char ByteToChar(byte value) => ByteToCharTable[value];

    /// <summary>The byte a table character stands for, or -1 when the character is not in the table.</summary>
    public static int CharToByte(char symbol) => symbol < CharToByteTable.Length ? CharToByteTable[symbol] : -1;

    /// <summary>Maps the UTF-8 bytes of <paramref name="text"/> to table characters.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        var byteCount = System.Text.Encoding.UTF8.GetByteCount(text);
        byte[]? rentedBytes = null;
        char[]? rentedChars = null;
        var bytes = byteCount <= 256
            ? stackalloc byte[byteCount]
            : (rentedBytes = System.Buffers.ArrayPool<byte>.Shared.Rent(byteCount)).AsSpan(0, byteCount);
        var chars = byteCount <= 256
            ? stackalloc char[byteCount]
            : (rentedChars = System.Buffers.ArrayPool<char>.Shared.Rent(byteCount)).AsSpan(0, byteCount);
        System.Text.Encoding.UTF8.GetBytes(text, bytes);
        for (var i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToCharTable[bytes[i]];
        }
        var result = new string(chars);
        if (rentedBytes is not null)
        {
            System.Buffers.ArrayPool<byte>.Shared.Return(rentedBytes);
            System.Buffers.ArrayPool<char>.Shared.Return(rentedChars!);
        }
        return result;
    }

    private static char[] BuildByteToChar()
    {
        var table = new char[256];
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            table[b] = (char)(printable ? b : next++);
        }
        return table;
    }

    private static short[] BuildCharToByte()
    {
        var table = new short[324];
        Array.Fill(table, (short)-1);
        for (var b = 0; b < 256; b++)
        {
            table[ByteToCharTable[b]] = (short)b;
        }
        return table;
    }
}
