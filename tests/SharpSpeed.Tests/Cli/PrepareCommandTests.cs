using System.Text.Json;
using SharpSpeed.Data.Oasst;
using SharpSpeed.Data.Readers;
using SharpSpeed.Tests.Data;
using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

public sealed class PrepareCommandTests
{
    [Fact]
    public void Json_ReportsTheContractKeysAndReusesTheCache()
    {
        using var dir = new TempFolder();
        string[] args = ["prepare", "--dataset", "oasst1-sample", "--top_k", "2", "--max_seq_length=128", "--cache_dir", dir.Path, "--json"];
        var (exitCode, output, error) = Run(args);
        Assert.True(exitCode == 0, error);
        using var report = JsonDocument.Parse(output);
        var root = report.RootElement;
        foreach (var key in new[] { "threads", "examples", "tokens", "label_tokens", "truncated", "skipped", "cache" })
        {
            Assert.True(root.TryGetProperty(key, out _), $"missing {key}");
        }
        // Threads equal what the reader and Open-Assistant's rules give for the same options.
        var expected = DatasetLoader.Load(DatasetLocator.Resolve("oasst1-sample"),
            new DatasetOptions { Oasst = new OasstThreadOptions(TopK: 2) });
        Assert.Equal(expected.Train.Count, root.GetProperty("threads").GetInt32());
        Assert.True(root.GetProperty("label_tokens").GetInt64() < root.GetProperty("tokens").GetInt64());
        Assert.Equal("built", root.GetProperty("cache_origin").GetString());
        Assert.True(File.Exists(root.GetProperty("cache").GetString()));

        var (again, secondOutput, _) = Run(args);
        Assert.Equal(0, again);
        using var second = JsonDocument.Parse(secondOutput);
        Assert.Equal("reused", second.RootElement.GetProperty("cache_origin").GetString());
        Assert.Equal(root.GetProperty("tokens").GetInt64(), second.RootElement.GetProperty("tokens").GetInt64());
    }

    [Fact]
    public void BadDataset_IsOneClearLine()
    {
        using var dir = new TempFolder();
        var file = dir.Write("bad.jsonl", "{\"messages\": 3}\n");
        var (exitCode, output, error) = Run("prepare", "--dataset", file, "--cache_dir", dir.Path, "--json");
        Assert.Equal(2, exitCode);
        Assert.Empty(output);
        Assert.Equal($"sharpspeed prepare: {file}:1: key 'messages' must be an array, got Number", error.Trim().Split('\n')[^1]);
    }

    [Fact]
    public void HelpNoLongerCallsPreparePlanned()
    {
        var (_, output, _) = Run("--help");
        var line = output.Split('\n').Single(l => l.TrimStart().StartsWith("prepare ", StringComparison.Ordinal));
        Assert.DoesNotContain("not implemented", line);
    }
}
