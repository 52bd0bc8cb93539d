using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SharpSpeed.Data.Batching;

namespace SharpSpeed.Data.Cache;

/// <summary>
/// Writes a token cache to a temporary file beside the target and renames it into place only when complete, so
/// a reader sees either no file or a whole one. Tokens stream to disk; label masks and offsets are held until the
/// end (1 byte per token, 8 per example).
/// </summary>
public static class TokenCacheWriter
{
    public static void Write(string path, TokenCacheKey key, IEnumerable<TokenizedExample> examples, int padId,
        Func<long, long, TokenCacheStats> statsFor)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(statsFor);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = $"{path}.tmp-{Environment.ProcessId}-{Guid.NewGuid():N}";
        try
        {
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                void Put(ReadOnlySpan<byte> bytes)
                {
                    file.Write(bytes);
                    hash.AppendData(bytes);
                }

                Span<byte> prefix = stackalloc byte[TokenCacheLayout.PrefixBytes];
                TokenCacheLayout.StartMagic.CopyTo(prefix);
                BinaryPrimitives.WriteInt32LittleEndian(prefix[8..], TokenCacheLayout.FormatVersion);
                Put(prefix);

                var offsets = new List<long> { 0 };
                var mask = new List<byte>();
                long tokens = 0;
                foreach (var example in examples)
                {
                    Put(MemoryMarshal.AsBytes(example.InputIds.AsSpan()));
                    foreach (var label in example.Labels)
                    {
                        mask.Add(label == TokenizedExample.IgnoreIndex ? (byte)0 : (byte)1);
                    }
                    tokens += example.Length;
                    offsets.Add(tokens);
                }
                var exampleCount = offsets.Count - 1;
                Put(CollectionsMarshal.AsSpan(mask));
                var padding = TokenCacheLayout.OffsetsStart(tokens) - (TokenCacheLayout.MaskStart(tokens) + tokens);
                Put(new byte[padding]);
                Put(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan(offsets)));
                var json = Encoding.UTF8.GetBytes(
                    JsonSerializer.Serialize(new TokenCacheHeader(key, statsFor(exampleCount, tokens), padId), TokenCacheJson.Options));
                Put(json);

                Span<byte> numbers = stackalloc byte[40];
                BinaryPrimitives.WriteInt64LittleEndian(numbers, tokens);
                BinaryPrimitives.WriteInt64LittleEndian(numbers[8..], exampleCount);
                BinaryPrimitives.WriteInt64LittleEndian(numbers[16..], TokenCacheLayout.OffsetsStart(tokens));
                BinaryPrimitives.WriteInt64LittleEndian(numbers[24..], TokenCacheLayout.JsonStart(tokens, exampleCount));
                BinaryPrimitives.WriteInt32LittleEndian(numbers[32..], json.Length);
                Put(numbers);
                file.Write(hash.GetHashAndReset());
                file.Write(TokenCacheLayout.EndMagic);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
