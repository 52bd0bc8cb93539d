namespace SharpSpeed.Data.Cache;

/// <summary>
/// Byte layout of a token cache file (little-endian):
/// <code>
/// "SSTOKEN1" | int32 version | int32 0 | int32 tokens[T] | byte labelMask[T] | pad to 8 | int64 offsets[N+1]
/// | header JSON | trailer: int64 T, int64 N, int64 offsetsStart, int64 jsonStart, int32 jsonLength, int32 0,
/// SHA-256 of every byte before it, "SSTOKEND"
/// </code>
/// Example i is tokens[offsets[i]..offsets[i+1]); labelMask says which tokens are labels. Every offset and length
/// is checked against the file size before use, and the checksum catches torn or corrupted files.
/// </summary>
internal static class TokenCacheLayout
{
    public const int FormatVersion = 1;
    public const int PrefixBytes = 16;
    public const int TrailerBytes = 8 * 4 + 8 + 32 + 8;
    public const int ChecksumBytes = 32;

    public static ReadOnlySpan<byte> StartMagic => "SSTOKEN1"u8;

    public static ReadOnlySpan<byte> EndMagic => "SSTOKEND"u8;

    public static long MaskStart(long tokens) => PrefixBytes + 4 * tokens;

    public static long OffsetsStart(long tokens) => Align8(MaskStart(tokens) + tokens);

    public static long JsonStart(long tokens, long examples) => OffsetsStart(tokens) + 8 * (examples + 1);

    public static long Align8(long position) => (position + 7) & ~7L;
}
