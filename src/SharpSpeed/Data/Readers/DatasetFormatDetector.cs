namespace SharpSpeed.Data.Readers;

/// <summary>
/// Tells a data file's format: by name for the oasst1 exports (<c>.parquet</c>, <c>.trees.jsonl[.gz]</c>,
/// <c>.messages.jsonl[.gz]</c>), otherwise by the keys of the first JSON record.
/// </summary>
public static class DatasetFormatDetector
{
    public static DatasetFormat Detect(string path)
    {
        var name = DataFile.NameWithoutGzip(path);
        if (name.EndsWith(".parquet", StringComparison.Ordinal))
        {
            return DatasetFormat.OasstParquet;
        }
        if (name.EndsWith(".trees.jsonl", StringComparison.Ordinal))
        {
            return DatasetFormat.OasstTrees;
        }
        if (name.EndsWith(".messages.jsonl", StringComparison.Ordinal))
        {
            return DatasetFormat.OasstMessages;
        }
        var keys = JsonLines.FirstObjectKeys(path);
        if (keys.Contains("message_tree_id") && keys.Contains("prompt"))
        {
            return DatasetFormat.OasstTrees;
        }
        if (keys.Contains("message_id") && keys.Contains("message_tree_id"))
        {
            return DatasetFormat.OasstMessages;
        }
        if (keys.Contains("messages"))
        {
            return DatasetFormat.ChatJsonl;
        }
        if (keys.Contains("prompt") && keys.Contains("completion"))
        {
            return DatasetFormat.PromptCompletionJsonl;
        }
        if (keys.Contains("text"))
        {
            return DatasetFormat.TextJsonl;
        }
        throw new InvalidDataException(keys.Count == 0
            ? $"{path}: no JSON object found; expected JSON Lines (chat, prompt/completion, text or oasst1) or parquet"
            : $"{path}: cannot tell the format from the first record's keys [{string.Join(", ", keys.Order(StringComparer.Ordinal))}]; " +
              "expected 'messages', 'prompt'+'completion', 'text', or oasst1's 'message_tree_id'");
    }

    public static bool IsOasst(DatasetFormat format) =>
        format is DatasetFormat.OasstTrees or DatasetFormat.OasstMessages or DatasetFormat.OasstParquet;
}
