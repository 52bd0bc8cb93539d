using SharpSpeed.Data.Readers;

namespace SharpSpeed.Data.Oasst;

/// <summary>
/// oasst1 flat messages, <c>*.messages.jsonl[.gz]</c>: one message per line with message_id, parent_id and
/// message_tree_id; the trees are rebuilt from parent_id by <see cref="OasstTreeBuilder"/>.
/// </summary>
public static class OasstMessagesReader
{
    public static IEnumerable<OasstTree> Read(string path, RecordIssues issues) =>
        OasstTreeBuilder.Build(ReadRows(path, issues), issues);

    private static IEnumerable<OasstMessageRow> ReadRows(string path, RecordIssues issues)
    {
        foreach (var line in JsonLines.Read(path, issues))
        {
            OasstMessageRow row;
            try
            {
                var message = OasstMessageFields.Parse(line, line.Root, string.Empty);
                var treeId = JsonFields.RequiredString(line, line.Root, "message_tree_id");
                var state = JsonFields.OptionalString(line, line.Root, "tree_state");
                row = new OasstMessageRow(message, treeId, state, line.File, line.LineNumber);
            }
            catch (InvalidRecordException e)
            {
                issues.Report(e);
                continue;
            }
            yield return row;
        }
    }
}
