using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Readers;

/// <summary>
/// Text JSONL: <c>{"text": "..."}</c> per line. Guanaco-formatted text becomes a chat sample (split into turns);
/// anything else is plain causal-LM text.
/// </summary>
public static class TextJsonlReader
{
    public static IEnumerable<DataSample> Read(string path, RecordIssues issues)
    {
        foreach (var line in JsonLines.Read(path, issues))
        {
            DataSample sample;
            try
            {
                sample = Parse(line);
            }
            catch (InvalidRecordException e)
            {
                issues.Report(e);
                continue;
            }
            yield return sample;
        }
    }

    private static DataSample Parse(JsonLine line)
    {
        var text = JsonFields.RequiredString(line, line.Root, "text");
        var source = $"{line.File}:{line.LineNumber}";
        if (text.Length == 0)
        {
            throw line.Invalid("key 'text' is empty");
        }
        if (!GuanacoText.LooksLikeGuanaco(text))
        {
            return DataSample.Text(text, source);
        }
        var turns = GuanacoText.Split(text);
        return turns.Any(t => t.Role == ChatRole.Assistant)
            ? DataSample.Chat(turns, source)
            : throw line.Invalid("guanaco text has no '### Assistant:' turn");
    }
}
