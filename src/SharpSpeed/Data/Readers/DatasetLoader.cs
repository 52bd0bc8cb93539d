using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Oasst;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// Reads a data set from a file or a folder into train and validation samples. In a folder, files whose name
/// contains "validation" form the validation split; if there is none, a single oasst1 source is split per tree
/// (<see cref="TreeSplit"/>) and other formats have no validation split. All files of a folder must share one
/// format. An empty result after filtering is an error naming the files.
/// </summary>
public static class DatasetLoader
{
    public static LoadedDataset Load(string path, DatasetOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var files = FindFiles(path);
        var formats = files.Select(DatasetFormatDetector.Detect).Distinct().ToList();
        if (formats.Count > 1)
        {
            throw new InvalidDataException(
                $"{path}: holds files of several formats ({string.Join(", ", formats)}); keep one format per folder");
        }
        var format = formats[0];
        var issues = new RecordIssues(options.SkipInvalidRecords);
        var validationFiles = files.Where(IsValidationFile).ToList();
        var trainFiles = files.Except(validationFiles).ToList();
        var hashSplit = validationFiles.Count == 0;
        var train = new List<DataSample>();
        var validation = new List<DataSample>();
        int treesRead = 0, treesSelected = 0;
        foreach (var file in files)
        {
            var isValidationFile = validationFiles.Contains(file);
            if (!DatasetFormatDetector.IsOasst(format))
            {
                (isValidationFile ? validation : train).AddRange(ReadSamples(file, format, issues));
                continue;
            }
            foreach (var tree in ReadTrees(file, format, issues))
            {
                treesRead++;
                var threads = OasstThreads.Extract(tree, options.Oasst);
                if (OasstThreads.TreeIsSelected(tree, options.Oasst))
                {
                    treesSelected++;
                }
                var target = isValidationFile || (hashSplit && TreeSplit.IsValidation(tree.MessageTreeId, options.ValidationFraction))
                    ? validation
                    : train;
                target.AddRange(threads.Select(t => ToSample(tree, t)));
            }
        }
        if (train.Count == 0)
        {
            throw new InvalidDataException(
                $"{string.Join(", ", trainFiles.Count > 0 ? trainFiles : files)}: no training examples left after " +
                $"reading and filtering ({treesRead} oasst1 trees read, {treesSelected} selected, {issues.Skipped} records skipped)");
        }
        return new LoadedDataset(format, files, train, validation, issues.Skipped, treesRead, treesSelected);
    }

    public static IEnumerable<OasstTree> ReadTrees(string file, DatasetFormat format, RecordIssues issues) => format switch
    {
        DatasetFormat.OasstTrees => OasstTreesReader.Read(file, issues),
        DatasetFormat.OasstMessages => OasstMessagesReader.Read(file, issues),
        DatasetFormat.OasstParquet => OasstParquetReader.Read(file, issues),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "not an oasst1 format"),
    };

    private static IEnumerable<DataSample> ReadSamples(string file, DatasetFormat format, RecordIssues issues) => format switch
    {
        DatasetFormat.ChatJsonl => ChatJsonlReader.Read(file, issues),
        DatasetFormat.PromptCompletionJsonl => PromptCompletionReader.Read(file, issues),
        DatasetFormat.TextJsonl => TextJsonlReader.Read(file, issues),
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "an oasst1 format"),
    };

    private static DataSample ToSample(OasstTree tree, List<OasstMessage> thread) =>
        DataSample.Chat(
            thread.Select(m => new ChatMessage(m.Role == OasstMessage.Assistant ? ChatRole.Assistant : ChatRole.User, m.Text))
                .ToList(),
            $"{tree.Source} tree {tree.MessageTreeId}");

    private static bool IsValidationFile(string file) =>
        Path.GetFileName(file).Contains("validation", StringComparison.OrdinalIgnoreCase);

    /// <summary>The data files a --dataset path stands for: the file itself, or a folder's .jsonl[.gz] and .parquet files.</summary>
    public static List<string> FindFiles(string path)
    {
        if (File.Exists(path))
        {
            return [Path.GetFullPath(path)];
        }
        if (!Directory.Exists(path))
        {
            throw new FileNotFoundException($"{path}: no such data file or folder", path);
        }
        var files = Directory.EnumerateFiles(path, "*", SearchOption.AllDirectories)
            .Where(f => IsDataFileName(DataFile.NameWithoutGzip(f)))
            .Select(Path.GetFullPath)
            .Order(StringComparer.Ordinal)
            .ToList();
        return files.Count > 0
            ? files
            : throw new FileNotFoundException($"{path}: folder holds no .jsonl, .jsonl.gz or .parquet data files", path);
    }

    private static bool IsDataFileName(string name) =>
        name.EndsWith(".jsonl", StringComparison.Ordinal) || name.EndsWith(".parquet", StringComparison.Ordinal);
}
