using SharpSpeed.Data.Readers;

namespace SharpSpeed.Data.Oasst;

/// <summary>
/// Rebuilds message trees from flat rows through parent_id. Replies keep row order. A tree whose rows carry no
/// tree_state (the release's messages files) counts as ready_for_export: Open-Assistant publishes only such
/// trees in its "_ready" message files. A row whose parent is missing, or a tree without exactly one root,
/// is invalid (reported at the offending row).
/// </summary>
public static class OasstTreeBuilder
{
    public static IEnumerable<OasstTree> Build(IEnumerable<OasstMessageRow> rows, RecordIssues issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        var trees = new Dictionary<string, List<OasstMessageRow>>(StringComparer.Ordinal);
        var order = new List<string>();
        foreach (var row in rows)
        {
            if (!trees.TryGetValue(row.MessageTreeId, out var list))
            {
                trees[row.MessageTreeId] = list = [];
                order.Add(row.MessageTreeId);
            }
            list.Add(row);
        }
        foreach (var treeId in order)
        {
            OasstTree tree;
            try
            {
                tree = Assemble(treeId, trees[treeId]);
            }
            catch (InvalidRecordException e)
            {
                issues.Report(e);
                continue;
            }
            yield return tree;
        }
    }

    private static OasstTree Assemble(string treeId, List<OasstMessageRow> rows)
    {
        var byId = new Dictionary<string, OasstMessageRow>(StringComparer.Ordinal);
        foreach (var row in rows)
        {
            if (!byId.TryAdd(row.Message.MessageId, row))
            {
                throw new InvalidRecordException(row.File, row.Line, $"duplicate message_id '{row.Message.MessageId}'");
            }
        }
        OasstMessageRow? root = null;
        foreach (var row in rows)
        {
            if (row.Message.ParentId is null)
            {
                if (root is not null)
                {
                    throw new InvalidRecordException(row.File, row.Line,
                        $"tree '{treeId}' has a second root message (first at line {root.Line})");
                }
                root = row;
                continue;
            }
            if (!byId.TryGetValue(row.Message.ParentId, out var parent))
            {
                throw new InvalidRecordException(row.File, row.Line,
                    $"parent_id '{row.Message.ParentId}' is not a message of tree '{treeId}'");
            }
            parent.Message.Replies.Add(row.Message);
        }
        if (root is null)
        {
            throw new InvalidRecordException(rows[0].File, rows[0].Line, $"tree '{treeId}' has no root message (parent_id null)");
        }
        if (root.Message.Role != OasstMessage.Prompter)
        {
            throw new InvalidRecordException(root.File, root.Line, $"root of tree '{treeId}' must have role 'prompter'");
        }
        return new OasstTree(treeId, root.TreeState ?? OasstTree.ReadyForExport, root.Message, $"{root.File}:{root.Line}");
    }
}
