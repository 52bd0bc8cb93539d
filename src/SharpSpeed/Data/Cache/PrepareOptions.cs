using SharpSpeed.Data.Readers;

namespace SharpSpeed.Data.Cache;

/// <summary>
/// Everything <see cref="DatasetPreparer"/> needs: where the data and tokenizer are, how samples become tokens
/// (template, max length, train_on_prompt), how the data is read, where caches live, and which rank this is.
/// </summary>
public sealed record PrepareOptions(string Dataset, string Tokenizer)
{
    public int MaxSeqLength { get; init; } = 512;

    public string? ChatTemplate { get; init; }

    public bool TrainOnPrompt { get; init; }

    public DatasetOptions Reading { get; init; } = new();

    /// <summary>Folder for cache files; default <c>$SHARPSPEED_CACHE</c> or <c>~/.cache/sharpspeed/tokens</c>.</summary>
    public string? CacheDirectory { get; init; }

    public int Rank { get; init; }

    public TimeSpan WaitTimeout { get; init; } = TimeSpan.FromMinutes(30);

    public static string DefaultCacheDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable("SHARPSPEED_CACHE");
            return string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "sharpspeed", "tokens")
                : configured;
        }
    }
}
