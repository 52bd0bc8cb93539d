using System.Text;
using System.Text.Json;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;
using SharpSpeed.Training;

namespace SharpSpeed.Tests.Cli;

/// <summary>`bench tokenize --json` counts the tokens and bytes of the given file and reports rates that match them.</summary>
public sealed class BenchTokenizeCommandTests
{
    [Fact]
    public void ReportsRatesOfTheFilesTokensAndBytes()
    {
        string[] paragraphs = ["The quick brown fox jumps over the lazy dog.", "你好世界，这是一个测试。", "int Add(int a, int b) => a + b;"];
        var file = Path.GetTempFileName();
        try
        {
            File.WriteAllText(file, string.Join("\n\n", paragraphs));
            var (exitCode, output, error) = CliRunner.Run("bench", "tokenize", "--file", file, "--threads", "2", "--json");
            Assert.True(exitCode == 0, error);
            var report = JsonDocument.Parse(output.Trim()).RootElement;

            var tokenizer = HfTokenizer.FromPath(BundledAssets.Locate(Trainer.BundledTokenizer));
            Assert.Equal(3, report.GetProperty("documents").GetInt32());
            var bytes = paragraphs.Sum(p => (long)Encoding.UTF8.GetByteCount(p));
            Assert.Equal(bytes, report.GetProperty("bytes").GetInt64());
            var tokens = report.GetProperty("tokens").GetInt64();
            Assert.Equal(paragraphs.Sum(p => (long)tokenizer.Encode(p).Length), tokens);
            foreach (var (name, threads) in new[] { ("single_thread", 1), ("batch", 2) })
            {
                var entry = report.GetProperty(name);
                Assert.Equal(threads, entry.GetProperty("threads").GetInt32());
                var seconds = entry.GetProperty("seconds").GetDouble();
                Assert.True(seconds > 0);
                var rate = entry.GetProperty("tokens_per_s").GetDouble();
                Assert.Equal(tokens / seconds, rate, 1e-3 * rate + 0.1);
                Assert.Equal(bytes / 1e6 / seconds, entry.GetProperty("mb_per_s").GetDouble(), 1e-3 * bytes / 1e6 / seconds + 1e-4);
            }
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void NamesAMissingCorpusFile()
    {
        var (exitCode, _, error) = CliRunner.Run("bench", "tokenize", "--file", "/nonexistent/corpus.txt", "--json");
        Assert.Equal(2, exitCode);
        Assert.Contains("corpus file /nonexistent/corpus.txt does not exist", error, StringComparison.Ordinal);
    }
}
