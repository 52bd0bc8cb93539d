using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Data.Cache;

/// <summary>
/// Data set to token caches: resolves the data set, keys the caches (<see cref="TokenCacheKey"/>), and reuses them
/// or, on rank 0, reads, filters, templates and tokenizes the samples (on all cores, order kept) and writes one
/// cache per split. A sample whose labels are all cut away by truncation is dropped: it would add nothing to the
/// loss but padding.
/// </summary>
public static class DatasetPreparer
{
    public static PreparedDataset Prepare(PrepareOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var dataPath = DatasetLocator.Resolve(options.Dataset);
        var files = DatasetLoader.FindFiles(dataPath);
        var tokenizer = HfTokenizer.FromPath(options.Tokenizer);
        var template = ChatTemplates.Resolve(options.ChatTemplate, tokenizer.ChatTemplate, tokenizer.TokenizerJsonPath);
        var encoder = new SampleEncoder(tokenizer, template, options.MaxSeqLength, options.TrainOnPrompt);
        var tokenizerFiles = new[] { tokenizer.TokenizerJsonPath, Path.Combine(Path.GetDirectoryName(tokenizer.TokenizerJsonPath)!, "tokenizer_config.json") }
            .Where(File.Exists);
        var baseKey = new TokenCacheKey(
            TokenCacheLayout.FormatVersion,
            TokenCacheKey.FingerprintFiles(files),
            TokenCacheKey.HashFileContents(tokenizerFiles),
            template.Name,
            options.MaxSeqLength,
            options.TrainOnPrompt,
            Selection(options.Reading),
            "train");
        var directory = options.CacheDirectory ?? PrepareOptions.DefaultCacheDirectory;
        var stem = Path.Combine(directory, CacheStem(dataPath));
        var loaded = new Lazy<LoadedDataset>(() => DatasetLoader.Load(dataPath, options.Reading));

        var (train, origin) = TokenCache.GetOrBuild($"{stem}-train.sstc", baseKey, options.Rank,
            path => Build(path, baseKey, loaded.Value.Train, loaded.Value.Skipped, encoder), options.WaitTimeout, log);
        // Built (empty) even without a validation split, so a later run finds both files and reads no data.
        var validationKey = baseKey with { Split = "validation" };
        var (validation, _) = TokenCache.GetOrBuild($"{stem}-validation.sstc", validationKey, options.Rank,
            path => Build(path, validationKey, loaded.Value.Validation, 0, encoder), options.WaitTimeout, log);
        if (validation.Count == 0)
        {
            validation.Dispose();
            validation = null;
        }
        return new PreparedDataset(train, validation, origin, template.Name, encoder.PadId, clock.Elapsed);
    }

    private static void Build(string path, TokenCacheKey key, IReadOnlyList<DataSample> samples, int skipped,
        SampleEncoder encoder)
    {
        var encoded = samples.AsParallel().AsOrdered().Select(encoder.Encode).ToList();
        var kept = encoded.Where(e => e.Example.LabelTokens > 0).Select(e => e.Example).ToList();
        TokenCacheWriter.Write(path, key, kept, (examples, tokens) => new TokenCacheStats(
            Threads: samples.Count,
            Examples: examples,
            Tokens: tokens,
            LabelTokens: kept.Sum(e => (long)e.LabelTokens),
            Truncated: encoded.Count(e => e.Truncated),
            Skipped: skipped,
            DroppedNoLabels: encoded.Count - kept.Count));
    }

    private static string Selection(DatasetOptions reading) =>
        $"lang={(reading.Oasst.Languages is { } l ? string.Join(',', l.Order(StringComparer.Ordinal)) : "all")};" +
        $"top_k={reading.Oasst.TopK?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "none"};" +
        $"validation={reading.ValidationFraction.ToString("R", System.Globalization.CultureInfo.InvariantCulture)};" +
        $"skip_invalid={reading.SkipInvalidRecords}";

    /// <summary>A readable, collision-safe file stem: the data set's name plus a hash of its full path.</summary>
    private static string CacheStem(string dataPath)
    {
        var full = Path.GetFullPath(dataPath).TrimEnd(Path.DirectorySeparatorChar);
        var name = new string(Path.GetFileName(full).Select(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' ? c : '_').ToArray());
        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(full)))[..12];
        return $"{name}-{hash}";
    }
}
