using SharpSpeed.IO;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// Turns a --dataset value into a local path. A path that exists is used as is. The name "oasst1" means the
/// folder <c>$SHARPSPEED_DATA/oasst1</c> (default <c>~/.cache/sharpspeed/datasets/oasst1</c>), which must hold
/// the Open-Assistant release trees (<c>2023-04-12_oasst_ready.trees.jsonl.gz</c>) or the HF parquet files
/// (<c>train-*.parquet</c>, <c>validation-*.parquet</c> of OpenAssistant/oasst1). "oasst1-sample" is the bundled
/// sample. Nothing is downloaded.
/// </summary>
public static class DatasetLocator
{
    public const string DataDirectoryVariable = "SHARPSPEED_DATA";
    public const string BundledSampleName = "oasst1-sample";

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

    public static string Resolve(string dataset)
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
            if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories).Any(IsOasstFile))
            {
                return folder;
            }
            throw new FileNotFoundException(
                $"dataset 'oasst1' is not on this machine: put 2023-04-12_oasst_ready.trees.jsonl.gz (Open-Assistant " +
                $"release) or the HF parquet files train-*.parquet and validation-*.parquet (OpenAssistant/oasst1) into " +
                $"{folder} (set {DataDirectoryVariable} to use another folder than {DataDirectory}); SharpSpeed does not download",
                folder);
        }
        throw new FileNotFoundException(
            $"--dataset '{dataset}': no such file or folder (known names: oasst1, {BundledSampleName})", dataset);
    }

    private static bool IsOasstFile(string file)
    {
        var name = DataFile.NameWithoutGzip(file);
        return name.EndsWith(".trees.jsonl", StringComparison.Ordinal)
               || name.EndsWith(".messages.jsonl", StringComparison.Ordinal)
               || name.EndsWith(".parquet", StringComparison.Ordinal);
    }
}
