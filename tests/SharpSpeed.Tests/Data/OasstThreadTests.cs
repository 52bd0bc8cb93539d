using System.Text.Json.Nodes;
using SharpSpeed.Data.Oasst;
using SharpSpeed.Data.Readers;
using static SharpSpeed.Tests.Data.OasstFixtures;

namespace SharpSpeed.Tests.Data;

/// <summary>Each Open-Assistant SFT rule on a small hand-made tree; expected threads worked out by hand.</summary>
public sealed class OasstThreadTests
{
    private static List<string> ThreadsOf(string treeLine, OasstThreadOptions? options = null)
    {
        using var dir = new TempFolder();
        var file = dir.Write("t.trees.jsonl", treeLine + "\n");
        var tree = Assert.Single(OasstTreesReader.Read(file, new RecordIssues(false)));
        return OasstThreads.Extract(tree, options ?? OasstThreadOptions.All)
            .Select(t => string.Join(">", t.Select(m => m.MessageId)))
            .ToList();
    }

    // p1 -> a1 (rank 0) -> p2 -> a3
    //    -> a2 (rank 1)
    private static JsonObject Basic() => P("p1", "q", A("a1", "x", 0, P("p2", "q2", A("a3", "y", null))), A("a2", "z", 1));

    [Fact]
    public void EveryRootToLeafPathEndingOnAssistant()
    {
        Assert.Equal(["p1>a1>p2>a3", "p1>a2"], ThreadsOf(Tree("t", Basic())));
    }

    [Theory]
    [InlineData("growing")]
    [InlineData("aborted_low_grade")]
    [InlineData("prompt_lottery_waiting")]
    public void OnlyReadyForExportTrees(string state)
    {
        Assert.Empty(ThreadsOf(Tree("t", Basic(), state)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(null)]
    public void PromptMustHavePassedReview(bool? review)
    {
        var prompt = Basic();
        prompt["review_result"] = review;
        Assert.Empty(ThreadsOf(Tree("t", prompt)));
    }

    [Fact]
    public void LanguageFilterLooksAtThePrompt()
    {
        var prompt = Basic();
        prompt["lang"] = "zh";
        var line = Tree("t", prompt);
        Assert.Empty(ThreadsOf(line, new OasstThreadOptions(OasstThreadOptions.ParseLanguages("en,de"))));
        Assert.Equal(2, ThreadsOf(line, new OasstThreadOptions(OasstThreadOptions.ParseLanguages("en,zh"))).Count);
        Assert.Equal(2, ThreadsOf(line, new OasstThreadOptions(OasstThreadOptions.ParseLanguages("all"))).Count);
    }

    [Theory]
    [InlineData("deleted")]
    [InlineData("synthetic")]
    public void ThreadsThroughDeletedOrSyntheticMessagesAreDropped(string flag)
    {
        var prompt = Basic();
        var p2 = prompt["replies"]![0]!["replies"]![0]!.AsObject();
        p2[flag] = true;
        Assert.Equal(["p1>a2"], ThreadsOf(Tree("t", prompt)));
    }

    [Fact]
    public void TopKKeepsRanksBelowK()
    {
        var prompt = P("p1", "q", A("a0", "r0", 0), A("a1", "r1", 1), A("a2", "r2", 2));
        var line = Tree("t", prompt);
        Assert.Equal(["p1>a0", "p1>a1", "p1>a2"], ThreadsOf(line));
        Assert.Equal(["p1>a0", "p1>a1"], ThreadsOf(line, new OasstThreadOptions(TopK: 2)));
        Assert.Equal(["p1>a0"], ThreadsOf(line, new OasstThreadOptions(TopK: 1)));
    }

    [Fact]
    public void TopK_UnrankedReplyKeptOnlyWhenItIsTheOnlyReply()
    {
        var siblings = Tree("t", P("p1", "q", A("a0", "r0", 0), A("u", "unranked", null)));
        Assert.Equal(["p1>a0"], ThreadsOf(siblings, new OasstThreadOptions(TopK: 1)));
        var only = Tree("t", P("p1", "q", A("u", "unranked", null)));
        Assert.Equal(["p1>u"], ThreadsOf(only, new OasstThreadOptions(TopK: 1)));
    }

    [Fact]
    public void PrompterLeaf_FirstReplyOnlyAndPopped()
    {
        // a1 has two prompter follow-ups without answers: the thread p1>a1 appears once (through the first one).
        var prompt = P("p1", "q", A("a1", "x", 0, P("f1", "follow 1"), P("f2", "follow 2")));
        Assert.Equal(["p1>a1"], ThreadsOf(Tree("t", prompt)));
    }

    [Fact]
    public void PromptWithoutAnswersGivesNoThread()
    {
        Assert.Empty(ThreadsOf(Tree("t", P("p1", "q"))));
    }

    [Fact]
    public void FlatMessagesRebuildTheSameThreads()
    {
        using var dir = new TempFolder();
        var file = dir.Write("x.messages.jsonl", string.Join("\n", FlatRows("t", Basic())) + "\n");
        var data = DatasetLoader.Load(file, new DatasetOptions { ValidationFraction = 0 });
        Assert.Equal(DatasetFormat.OasstMessages, data.Format);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal(["q", "x", "q2", "y"], data.Train[0].Messages.Select(m => m.Content));
        Assert.Equal(["q", "z"], data.Train[1].Messages.Select(m => m.Content));
    }

    [Fact]
    public void FlatMessages_NonReadyStateIsHonoured()
    {
        using var dir = new TempFolder();
        var file = dir.Write("x.messages.jsonl", string.Join("\n", FlatRows("t", Basic(), "growing")) + "\n");
        Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(file, new DatasetOptions { ValidationFraction = 0 }));
    }

    [Fact]
    public void FlatMessages_OrphanParentIsNamed()
    {
        using var dir = new TempFolder();
        var rows = FlatRows("t", Basic()).ToList();
        rows[2] = rows[2].Replace("\"parent_id\":\"a1\"", "\"parent_id\":\"nope\"", StringComparison.Ordinal);
        var file = dir.Write("x.messages.jsonl", string.Join("\n", rows) + "\n");
        var error = Assert.Throws<InvalidRecordException>(() => DatasetLoader.Load(file, new DatasetOptions()));
        Assert.StartsWith($"{file}:3: parent_id 'nope' is not a message of tree 't'", error.Message);
    }

    [Theory]
    [InlineData("{\"message_tree_id\":\"t\",\"tree_state\":\"ready_for_export\"}", ":1: missing key 'prompt'")]
    [InlineData("{\"message_tree_id\":\"t\",\"tree_state\":\"ready_for_export\",\"prompt\":{\"message_id\":\"p\",\"text\":\"q\",\"role\":\"prompter\",\"rank\":\"first\"}}", ":1: prompt: key 'rank' must be a number or null, got String")]
    [InlineData("{\"message_tree_id\":\"t\",\"tree_state\":\"ready_for_export\",\"prompt\":{\"message_id\":\"p\",\"text\":\"q\",\"role\":\"prompter\",\"replies\":[{\"message_id\":\"a\",\"role\":\"assistant\"}]}}", ":1: prompt.replies[0]: missing key 'text'")]
    [InlineData("{\"message_tree_id\":5,\"tree_state\":\"ready_for_export\"}", ":1: key 'message_tree_id' must be a string, got Number")]
    public void BadTrees_NameFileLineAndKey(string line, string expected)
    {
        using var dir = new TempFolder();
        var file = dir.Write("bad.trees.jsonl", line + "\n");
        var error = Assert.Throws<InvalidRecordException>(() => DatasetLoader.Load(file, new DatasetOptions()));
        Assert.StartsWith(file + expected, error.Message);
    }

    [Fact]
    public void SplitIsPerTreeDeterministicAndNearTheFraction()
    {
        using var dir = new TempFolder();
        var lines = Enumerable.Range(0, 400).Select(i => Tree($"tree-{i}", Basic()));
        var file = dir.Write("many.trees.jsonl", string.Join("\n", lines) + "\n");
        var options = new DatasetOptions { ValidationFraction = 0.25 };
        var first = DatasetLoader.Load(file, options);
        var second = DatasetLoader.Load(file, options);
        Assert.Equal(first.Validation.Select(s => s.Source), second.Validation.Select(s => s.Source));
        Assert.Equal(800, first.Train.Count + first.Validation.Count);
        var validationTrees = first.Validation.Select(s => s.Source).Distinct().Count();
        Assert.Equal(first.Validation.Count, 2 * validationTrees); // both threads of a tree stay together
        Assert.InRange(validationTrees, 70, 130); // binomial(400, 0.25): mean 100, sd 8.7
        Assert.Empty(first.Train.Select(s => s.Source).Intersect(first.Validation.Select(s => s.Source)));
    }
}
