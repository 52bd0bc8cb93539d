using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace SharpSpeed.Data.Cache;

/// <summary>
/// What a token cache was built from. Data files enter by path, size and modification time (cheap to check on
/// every run; any edit changes them), the tokenizer by a SHA-256 of tokenizer.json and tokenizer_config.json
/// contents, and every setting that changes tokens or labels by value. Two caches are interchangeable exactly
/// when their canonical JSON is equal.
/// </summary>
public sealed record TokenCacheKey(
    int FormatVersion,
    string DataFingerprint,
    string TokenizerHash,
    string Template,
    int MaxSeqLength,
    bool TrainOnPrompt,
    string Selection,
    string Split)
{
    public string ToCanonicalJson() => JsonSerializer.Serialize(this, TokenCacheJson.Options);

    public static string FingerprintFiles(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        var text = new StringBuilder();
        foreach (var file in files.Select(Path.GetFullPath).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            text.Append(CultureInfo.InvariantCulture,
                $"{file}\n{info.Length}\n{info.LastWriteTimeUtc.Ticks}\n");
        }
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    public static string HashFileContents(IEnumerable<string> files)
    {
        ArgumentNullException.ThrowIfNull(files);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n"));
            hash.AppendData(File.ReadAllBytes(file));
        }
        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
