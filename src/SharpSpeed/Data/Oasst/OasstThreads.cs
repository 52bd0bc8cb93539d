namespace SharpSpeed.Data.Oasst;

/// <summary>
/// Message trees to training threads by Open-Assistant's own SFT rules (model_training/custom_datasets/
/// oasst_dataset.py, mode "sft"):
/// a tree counts only if its state is ready_for_export, its prompt passed review (review_result true) and the
/// prompt's language is selected. A thread is a root-to-leaf path; it is dropped if any message on it is deleted
/// or synthetic, or, with top_k, if an assistant message on it has rank &gt;= k, or is unranked while its parent
/// has more than one reply. Paths ending on a prompter leaf are kept only through the parent's first reply and
/// lose that last prompter message, so every thread ends on an assistant turn; intermediate nodes are not
/// thread ends, as in Open-Assistant.
/// </summary>
public static class OasstThreads
{
    public static bool TreeIsSelected(OasstTree tree, OasstThreadOptions options)
    {
        ArgumentNullException.ThrowIfNull(tree);
        ArgumentNullException.ThrowIfNull(options);
        return tree.TreeState == OasstTree.ReadyForExport
               && tree.Prompt.ReviewResult == true
               && (options.Languages is null || (tree.Prompt.Lang is { } lang && options.Languages.Contains(lang)));
    }

    /// <summary>The threads of one tree (empty when the tree itself is not selected), in depth-first order.</summary>
    public static List<List<OasstMessage>> Extract(OasstTree tree, OasstThreadOptions options)
    {
        var threads = new List<List<OasstMessage>>();
        if (!TreeIsSelected(tree, options))
        {
            return threads;
        }
        Visit(tree.Prompt, [], threads, options);
        foreach (var thread in threads)
        {
            if (thread[^1].Role == OasstMessage.Prompter)
            {
                thread.RemoveAt(thread.Count - 1);
            }
        }
        return threads;
    }

    private static void Visit(OasstMessage node, List<OasstMessage> parents, List<List<OasstMessage>> threads,
        OasstThreadOptions options)
    {
        var thread = new List<OasstMessage>(parents) { node };
        if (IsThreadEnd(thread, options))
        {
            threads.Add(thread);
        }
        foreach (var reply in node.Replies)
        {
            Visit(reply, thread, threads, options);
        }
    }

    private static bool IsThreadEnd(List<OasstMessage> thread, OasstThreadOptions options)
    {
        var last = thread[^1];
        return thread.Count > 1
               && last.Replies.Count == 0
               && (last.Role == OasstMessage.Assistant || ReferenceEquals(thread[^2].Replies[0], last))
               && PassesFilters(thread, options);
    }

    private static bool PassesFilters(List<OasstMessage> thread, OasstThreadOptions options)
    {
        if (thread.Any(m => m.Deleted || m.Synthetic))
        {
            return false;
        }
        if (options.TopK is not { } topK)
        {
            return true;
        }
        for (var i = 0; i < thread.Count; i++)
        {
            var message = thread[i];
            if (message.Role != OasstMessage.Assistant)
            {
                continue;
            }
            if (message.Rank is { } rank ? rank >= topK : i > 0 && thread[i - 1].Replies.Count > 1)
            {
                return false;
            }
        }
        return true;
    }
}
