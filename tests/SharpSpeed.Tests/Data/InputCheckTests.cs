using System.IO.Compression;
using System.Text;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Tests.Data;

/// <summary>Bad data files are one error naming the file (and line), never a silently smaller data set.</summary>
public sealed class InputCheckTests
{
    private static readonly DatasetOptions Strict = new();
    private static readonly DatasetOptions Skipping = new() { SkipInvalidRecords = true };

    private static string Lines(int count) => string.Concat(Enumerable.Range(0, count).Select(i =>
        $"{{\"prompt\":\"question {i}\",\"completion\":\"answer {i}\"}}\n"));

    private static byte[] Gzip(string text, bool cutAtFlushPoint)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        using var memory = new MemoryStream();
        var gzip = new GZipStream(memory, CompressionLevel.Optimal, leaveOpen: true);
        if (!cutAtFlushPoint)
        {
            gzip.Write(bytes);
            gzip.Dispose();
            return memory.ToArray();
        }
        // Half the lines, then a sync flush: a decompressor sees whole records and a clean end, but no trailer.
        var half = text.LastIndexOf('\n', text.Length / 2) + 1;
        gzip.Write(bytes, 0, half);
        gzip.Flush();
        return memory.ToArray();
    }

    [Fact]
    public void AGzipFileCutAtAFlushPointIsTruncatedNotShort()
    {
        using var dir = new TempFolder();
        var whole = Path.Combine(dir.Path, "whole.jsonl.gz");
        File.WriteAllBytes(whole, Gzip(Lines(400), cutAtFlushPoint: false));
        Assert.Equal(400, DatasetLoader.Load(whole, Strict).Train.Count);

        var cut = Path.Combine(dir.Path, "cut.jsonl.gz");
        File.WriteAllBytes(cut, Gzip(Lines(400), cutAtFlushPoint: true));
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(cut, Strict));
        Assert.Contains(cut, error.Message);
        Assert.Contains("truncated or corrupt gzip", error.Message);
        // Skipping invalid records does not make a cut file acceptable: it is the file, not a record, that is bad.
        Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(cut, Skipping));

        var tiny = Path.Combine(dir.Path, "tiny.jsonl.gz");
        File.WriteAllBytes(tiny, [0x1f, 0x8b, 8, 0]);
        Assert.Contains("truncated gzip", Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(tiny, Strict)).Message);
    }

    [Fact]
    public void ANonUtf8LineIsNamedByFileAndLineAndCanBeSkipped()
    {
        using var dir = new TempFolder();
        var file = Path.Combine(dir.Path, "latin1.jsonl");
        var text = Encoding.UTF8.GetBytes(Lines(5));
        var bad = Encoding.Latin1.GetBytes("{\"prompt\":\"caf\u00e9\",\"completion\":\"ok\"}\n");
        File.WriteAllBytes(file, [.. text, .. bad, .. Encoding.UTF8.GetBytes(Lines(2))]);

        var error = Assert.Throws<InvalidRecordException>(() => DatasetLoader.Load(file, Strict));
        Assert.Equal(file + ":6: not valid UTF-8 (at byte 14 of the line)", error.Message);
        var skipped = DatasetLoader.Load(file, Skipping);
        Assert.Equal(7, skipped.Train.Count);
        Assert.Equal(1, skipped.Skipped);
    }

    [Fact]
    public void Utf8LinesKeepsLineNumbersAcrossBuffersAndDropsBomAndCr()
    {
        var text = "\uFEFFfirst\r\n" + new string('x', 70_000) + "\n\nlast";
        var lines = Utf8Lines.Read(new MemoryStream(Encoding.UTF8.GetBytes(text))).ToList();
        Assert.Equal([1L, 2, 3, 4], lines.Select(l => l.Number));
        Assert.Equal("first", Encoding.UTF8.GetString(lines[0].Bytes));
        Assert.Equal(70_000, lines[1].Bytes.Length);
        Assert.Empty(lines[2].Bytes);
        Assert.Equal("last", Encoding.UTF8.GetString(lines[3].Bytes));
    }

    [Fact]
    public void AParquetFileThatIsNotOneIsNamed()
    {
        using var dir = new TempFolder();
        var file = dir.Write("train-00000-of-00001.parquet", "this is not parquet at all");
        var error = Assert.Throws<InvalidDataException>(() => DatasetLoader.Load(file, Strict));
        Assert.StartsWith(file + ": not a parquet file", error.Message);
    }

    [Fact]
    public void AnEmptyVocabularyIsOneLineAndAMergeFreeBpeLoads()
    {
        using var dir = new TempFolder();
        const string Template = """
            {"model": {"type": "BPE", "vocab": VOCAB, "merges": []},
             "pre_tokenizer": null, "normalizer": null, "post_processor": null, "decoder": null, "added_tokens": []}
            """;
        var empty = dir.Write("empty.json", Template.Replace("VOCAB", "{}", StringComparison.Ordinal));
        var error = Assert.Throws<InvalidDataException>(() => HfTokenizer.FromPath(empty));
        Assert.Contains(empty, error.Message);
        Assert.Contains("'model.vocab' is empty", error.Message);

        var letters = dir.Write("letters.json", Template.Replace("VOCAB", """{"a": 0, "b": 1}""", StringComparison.Ordinal));
        Assert.Equal([0, 1, 0], HfTokenizer.FromPath(letters).Encode("aba"));
    }
}
