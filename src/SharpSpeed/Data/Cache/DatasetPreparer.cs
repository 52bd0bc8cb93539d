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
/// cache per split. Reuse reads only file metadata, the tokenizer files' bytes (for their hash) and
/// tokenizer_config.json; the tokenizer itself is loaded only to build. A sample whose labels are all cut away
/// by truncation is dropped: it would add nothing to the loss but padding.
/// </summary>
public static class DatasetPreparer
{
    public static PreparedDataset Prepare(PrepareOptions options, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        var clock = Stopwatch.StartNew();
        var dataPath = DatasetLocator.Resolve(options.Dataset);
        var files = DatasetLoader.FindFiles(dataPath);
        var (tokenizerJson, tokenizerConfig) = TokenizerFiles(options.Tokenizer);
        var config = tokenizerConfig is null ? TokenizerConfig.Empty : TokenizerConfig.Load(tokenizerConfig);
        var template = ChatTemplates.Resolve(options.ChatTemplate, config, tokenizerJson);
        var encoder = new Lazy<SampleEncoder>(() =>
            new SampleEncoder(HfTokenizer.FromPath(options.Tokenizer), template, options.MaxSeqLength, options.TrainOnPrompt));
        var baseKey = new TokenCacheKey(
            TokenCacheLayout.FormatVersion,
            TokenCacheKey.FingerprintFiles(files),
            TokenCacheKey.HashFileContents(tokenizerConfig is null ? [tokenizerJson] : [tokenizerJson, tokenizerConfig]),
            template.Name,
            options.MaxSeqLength,
            options.TrainOnPrompt,
            Selection(options.Reading),
            "train");
        var directory = options.CacheDirectory ?? PrepareOptions.DefaultCacheDirectory;
        var stem = Path.Combine(directory, CacheStem(dataPath));
        var loaded = new Lazy<LoadedDataset>(() => DatasetLoader.Load(dataPath, options.Reading));

        var (train, origin) = TokenCache.GetOrBuild($"{stem}-train.sstc", baseKey, options.Rank,
            path => Build(path, baseKey, loaded.Value.Train, loaded.Value.Skipped, encoder.Value), options.WaitTimeout, log);
        // Built (empty) even without a validation split, so a later run finds both files and reads no data.
        var validationKey = baseKey with { Split = "validation" };
        var (validation, _) = TokenCache.GetOrBuild($"{stem}-validation.sstc", validationKey, options.Rank,
            path => Build(path, validationKey, loaded.Value.Validation, 0, encoder.Value), options.WaitTimeout, log);
        if (validation.Count == 0)
        {
            validation.Dispose();
            validation = null;
        }
        return new PreparedDataset(train, validation, origin, template.Name, train.Header.PadId, clock.Elapsed);
    }

    /// <summary>tokenizer.json and, when present, tokenizer_config.json for a file or folder argument, resolved
    /// as <see cref="HfTokenizer.FromPath"/> resolves them.</summary>
    private static (string Json, string? Config) TokenizerFiles(string fileOrDir)
    {
        var json = Directory.Exists(fileOrDir) ? Path.Combine(fileOrDir, "tokenizer.json") : fileOrDir;
        if (!File.Exists(json))
        {
            throw new FileNotFoundException($"{fileOrDir}: no tokenizer.json there", json);
        }
        var config = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(json))!, "tokenizer_config.json");
        return (Path.GetFullPath(json), File.Exists(config) ? config : null);
    }

    private static void Build(string path, TokenCacheKey key, IReadOnlyList<DataSample> samples, int skipped,
        SampleEncoder encoder)
    {
        var encoded = samples.AsParallel().AsOrdered().Select(encoder.Encode).ToList();
        var kept = encoded.Where(e => e.Example.LabelTokens > 0).Select(e => e.Example).ToList();
        TokenCacheWriter.Write(path, key, kept, encoder.PadId, (examples, tokens) => new TokenCacheStats(
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
