using SharpSpeed.Data.Conversations;

namespace SharpSpeed.Data.Readers;

/// <summary>Prompt/completion JSONL: <c>{"prompt": "...", "completion": "..."}</c>; the completion is learned.</summary>
public static class PromptCompletionReader
{
    public static IEnumerable<DataSample> Read(string path, RecordIssues issues)
    {
        foreach (var line in JsonLines.Read(path, issues))
        {
            DataSample sample;
            try
            {
                var prompt = JsonFields.RequiredString(line, line.Root, "prompt");
                var completion = JsonFields.RequiredString(line, line.Root, "completion");
                if (completion.Length == 0)
                {
                    throw line.Invalid("key 'completion' is empty");
                }
                sample = DataSample.PromptCompletion(prompt, completion, $"{line.File}:{line.LineNumber}");
            }
            catch (InvalidRecordException e)
            {
                issues.Report(e);
                continue;
            }
            yield return sample;
        }
    }
}
