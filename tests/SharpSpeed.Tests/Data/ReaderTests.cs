using System.IO.Compression;
using System.Text;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Readers;

namespace SharpSpeed.Tests.Data;

public sealed class ReaderTests
{
    private static readonly DatasetOptions Strict = new();
    private static readonly DatasetOptions Skipping = new() { SkipInvalidRecords = true };

    [Fact]
    public void ChatJsonl_ReadsRolesAndContent()
    {
        using var dir = new TempFolder();
        var file = dir.Write("chat.jsonl",
            """
            {"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}

            {"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}
            """);
        var data = DatasetLoader.Load(file, Strict);
        Assert.Equal(DatasetFormat.ChatJsonl, data.Format);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal(
            [new ChatMessage(ChatRole.System, "Be brief."), new ChatMessage(ChatRole.User, "Hi"), new ChatMessage(ChatRole.Assistant, "Hello!")],
            data.Train[0].Messages);
        Assert.Equal(SampleKind.Chat, data.Train[1].Kind);
        Assert.Empty(data.Validation);
    }

    [Fact]
    public void PromptCompletion_IsDetectedAndRead()
    {
        using var dir = new TempFolder();
        var file = dir.Write("pc.jsonl", "{\"prompt\":\"Capital of France?\",\"completion\":\" Paris\"}\n");
        var data = DatasetLoader.Load(file, Strict);
        Assert.Equal(DatasetFormat.PromptCompletionJsonl, data.Format);
        var sample = Assert.Single(data.Train);
        Assert.Equal(SampleKind.PromptCompletion, sample.Kind);
        Assert.Equal(" Paris", sample.Messages[1].Content);
    }

    [Fact]
    public void TextJsonl_PlainAndGuanaco()
    {
        using var dir = new TempFolder();
        var file = dir.Write("text.jsonl",
            """
            {"text":"Just some text."}
            {"text":"### Human: What is 2+3?### Assistant: 5### Human: And 2+4?### Assistant: 6"}
            """);
        var data = DatasetLoader.Load(file, Strict);
        Assert.Equal(SampleKind.Text, data.Train[0].Kind);
        Assert.Equal("Just some text.", data.Train[0].Messages[0].Content);
        Assert.Equal(SampleKind.Chat, data.Train[1].Kind);
        Assert.Equal(
            [new ChatMessage(ChatRole.User, "What is 2+3?"), new ChatMessage(ChatRole.Assistant, "5"),
             new ChatMessage(ChatRole.User, "And 2+4?"), new ChatMessage(ChatRole.Assistant, "6")],
            data.Train[1].Messages);
    }

    [Fact]
    public void GzipIsReadByMagicBytes()
    {
        using var dir = new TempFolder();
        var file = Path.Combine(dir.Path, "chat.jsonl.gz");
        using (var gz = new GZipStream(File.Create(file), CompressionLevel.Fastest))
        {
            gz.Write(Encoding.UTF8.GetBytes("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n"));
        }
        Assert.Single(DatasetLoader.Load(file, Strict).Train);
    }

    [Theory]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n{not json\n", ":2: malformed JSON")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"},{\"role\":\"assistant\",\"content\":7}]}\n", ":1: key 'content' must be a string, got Number")]
    [InlineData("{\"messages\":[{\"role\":\"user\"},{\"role\":\"assistant\",\"content\":\"a\"}]}\n", ":1: missing key 'content'")]
    [InlineData("{\"messages\":[{\"role\":\"robot\",\"content\":\"q\"}]}\n", ":1: messages[0].role 'robot' is not system, user or assistant")]
    [InlineData("{\"messages\":\"hi\"}\n", ":1: key 'messages' must be an array, got String")]
    [InlineData("{\"messages\":[{\"role\":\"user\",\"content\":\"q\"}]}\n", ":1: conversation has no assistant turn")]
    public void BadChatRecords_NameFileAndLine(string content, string expected)
    {
        using var dir = new TempFolder();
        var file = dir.Write("bad.jsonl", content);
        var error = Assert.Throws<InvalidRecordException>(() => DatasetLoader.Load(file, Strict));
        Assert.StartsWith(file + expected, error.Message);
    }

    [Fact]
    public void SkipInvalidRecords_CountsAndContinues()
    {
        using var dir = new TempFolder();
        var file = dir.Write("mixed.jsonl",
            """
            {"prompt":"a","completion":"b"}
            {"prompt":"a"}
            [1,2]
            {"prompt":"c","completion":5}
            {oops
            {"prompt":"d","completion":"e"}
            """);
        var data = DatasetLoader.Load(file, Skipping);
        Assert.Equal(2, data.Train.Count);
        Assert.Equal(4, data.Skipped);
    }

    [Fact]
    public void EmptyResult_IsAnErrorNamingTheFile()
    {
        using var dir = new TempFolder();
        var file = dir.Write("allbad.jsonl", "{\"text\":3}\n");
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(file, Skipping));
        Assert.Contains(file, error.Message);
        Assert.Contains("no training examples", error.Message);
    }

    [Fact]
    public void UnknownKeys_AreAFormatError()
    {
        using var dir = new TempFolder();
        var file = dir.Write("what.jsonl", "{\"foo\":1}\n");
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(file, Strict));
        Assert.Contains("[foo]", error.Message);
    }

    [Fact]
    public void Oasst1Name_WithoutFiles_SaysWhereToPutThem()
    {
        using var dir = new TempFolder();
        var previous = Environment.GetEnvironmentVariable(DatasetLocator.DataDirectoryVariable);
        Environment.SetEnvironmentVariable(DatasetLocator.DataDirectoryVariable, dir.Path);
        try
        {
            var error = Assert.Throws<FileNotFoundException>(() => DatasetLocator.Resolve("oasst1"));
            Assert.Contains(Path.Combine(dir.Path, "oasst1"), error.Message);
            Assert.Contains("trees.jsonl.gz", error.Message);
            Assert.Contains("parquet", error.Message);

            dir.Write(Path.Combine("oasst1", "2023-04-12_oasst_all.messages.jsonl"), "");
            var only = dir.Write(Path.Combine("oasst1", "2023-04-12_oasst_all.trees.jsonl"), "");
            Assert.Equal(only, DatasetLocator.Resolve("oasst1"));
            var ready = dir.Write(Path.Combine("oasst1", "2023-04-12_oasst_ready.trees.jsonl"), "");
            Assert.Equal(ready, DatasetLocator.Resolve("oasst1"));
        }
        finally
        {
            Environment.SetEnvironmentVariable(DatasetLocator.DataDirectoryVariable, previous);
        }
    }
}
