using SharpSpeed.IO;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// Turns a --dataset value into a local path. A path that exists is used as is. The name "oasst1" means the
/// folder <c>$SHARPSPEED_DATA/oasst1</c> (default <c>~/.cache/sharpspeed/datasets/oasst1</c>), which must hold
/// the Open-Assistant release trees (<c>2023-04-12_oasst_ready.trees.jsonl.gz</c>) or the HF parquet files
/// (<c>train-*.parquet</c>, <c>validation-*.parquet</c> of OpenAssistant/oasst1). "oasst1-sample" is the bundled
/// sample; where that folder has nothing, the HF hub cache's OpenAssistant/oasst1 snapshot is used. "org/name"
/// is a data set in the HF hub cache (see <see cref="HubCache"/>). Nothing is downloaded.
/// </summary>
public static class DatasetLocator
{
    public const string DataDirectoryVariable = "SHARPSPEED_DATA";
    public const string BundledSampleName = "oasst1-sample";
    public const string OasstRepoId = "OpenAssistant/oasst1";

    public static string DataDirectory
    {
        get
        {
            var configured = Environment.GetEnvironmentVariable(DataDirectoryVariable);
            return string.IsNullOrWhiteSpace(configured)
                ? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "sharpspeed", "datasets")
                : configured;
        }
    }

    /// <param name="dataset">A path, a known name, or "org/name".</param>
    /// <param name="hub">The HF hub cache to look in; default: the one the environment names.</param>
    public static string Resolve(string dataset, HubCache? hub = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        if (File.Exists(dataset) || Directory.Exists(dataset))
        {
            return dataset;
        }
        if (dataset == BundledSampleName)
        {
            return BundledAssets.Locate(Path.Combine("data", BundledSampleName));
        }
        if (dataset.Equals("oasst1", StringComparison.OrdinalIgnoreCase))
        {
            var folder = Path.Combine(DataDirectory, "oasst1");
            if (Directory.Exists(folder) && PickOasstSource(folder) is { } source)
            {
                return source;
            }
            hub ??= HubCache.FromEnvironment();
            var looked = new List<string>();
            var snapshot = hub.FindSnapshot("datasets", OasstRepoId, HubCache.DefaultRevision, looked);
            if (snapshot is not null)
            {
                if (PickOasstSource(snapshot) is { } cached)
                {
                    return cached;
                }
                looked.Add($"{snapshot} (holds no oasst1 files)");
            }
            throw new FileNotFoundException(
                $"dataset 'oasst1' is not on this machine: put 2023-04-12_oasst_ready.trees.jsonl.gz (Open-Assistant " +
                $"release) or the HF parquet files train-*.parquet and validation-*.parquet (OpenAssistant/oasst1) into " +
                $"{folder} (set {DataDirectoryVariable} to use another folder than {DataDirectory}), or keep {OasstRepoId} " +
                $"in the HF cache {hub.Root} ({string.Join("; ", looked)}); " +
                "SharpSpeed does not download",
                folder);
        }
        if (dataset.Contains('/', StringComparison.Ordinal) && HubCache.IsRepoId(dataset))
        {
            // "org/name" as datasets' load_dataset takes it, from the HF cache only. A full snapshot of oasst1 holds
            // the release files beside the parquet ones: pick one source, as for the "oasst1" folder.
            var snapshot = (hub ?? HubCache.FromEnvironment()).ResolveDataset(dataset);
            return dataset.Equals(OasstRepoId, StringComparison.OrdinalIgnoreCase) ? PickOasstSource(snapshot) ?? snapshot : snapshot;
        }
        throw new FileNotFoundException(
            $"--dataset '{dataset}': no such file or folder (known names: oasst1, {BundledSampleName}, or org/name in the HF cache)", dataset);
    }

    /// <summary>
    /// One source out of what the release offers side by side (it ships the same trees as _ready and _all, trees
    /// and messages): the _ready trees file, else a single trees file, else the parquet files (the folder, when it
    /// holds nothing else), else a single messages file. Null when there is nothing, an error when it is ambiguous.
    /// </summary>
    private static string? PickOasstSource(string folder)
    {
        var files = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList();
        List<string> Ending(string suffix) =>
            files.Where(f => DataFile.NameWithoutGzip(f).EndsWith(suffix, StringComparison.Ordinal)).ToList();
        var trees = Ending(".trees.jsonl");
        var ready = trees.Where(f => DataFile.NameWithoutGzip(f).EndsWith("_ready.trees.jsonl", StringComparison.Ordinal)).ToList();
        var parquet = Ending(".parquet");
        var messages = Ending(".messages.jsonl");
        if (ready.Count == 1 || (ready.Count == 0 && trees.Count == 1))
        {
            return ready.Count == 1 ? ready[0] : trees[0];
        }
        if (trees.Count == 0 && parquet.Count > 0)
        {
            return messages.Count == 0 && Ending(".jsonl").Count == 0
                ? folder
                : throw new InvalidDataException($"{folder}: holds parquet files and JSON Lines files; keep one kind");
        }
        if (trees.Count == 0 && messages.Count == 1)
        {
            return messages[0];
        }
        return trees.Count + messages.Count == 0
            ? null
            : throw new InvalidDataException(
                $"{folder}: several oasst1 files ({string.Join(", ", trees.Concat(messages).Select(Path.GetFileName))}); keep one, " +
                "e.g. 2023-04-12_oasst_ready.trees.jsonl.gz");
    }
}
