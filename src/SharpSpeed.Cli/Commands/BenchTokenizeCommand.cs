using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;
using SharpSpeed.Training;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// `sharpspeed bench tokenize`: encode throughput of SharpSpeed's tokenizer on one thread (Encode) and on all cores
/// (EncodeBatch). bench/TokenizerBench compares the same corpus against HF's Rust tokenizers.
/// </summary>
internal static class BenchTokenizeCommand
{
    private const int Repeats = 3;

    private static readonly Option<string?> Tokenizer = new("--tokenizer")
    {
        Description = "A tokenizer.json file or a folder holding one (default: the bundled tiny DeepSeek tokenizer).",
    };

    private static readonly Option<string?> File = new("--file")
    {
        Description = "Text file whose paragraphs (split at blank lines) are the documents (default: licence texts, C# sources, Chinese).",
    };

    private static readonly Option<int> Threads = new("--threads")
    {
        Description = "Threads of the batch measurement (default: all cores).",
        DefaultValueFactory = _ => Environment.ProcessorCount,
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object instead of the table." };

    public static Command Create()
    {
        var command = new Command("tokenize", "Encode throughput (tokens/s, MB/s) of SharpSpeed's tokenizer, one thread and EncodeBatch on all cores.")
        {
            Tokenizer, File, Threads, Json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var threads = parse.GetValue(Threads);
            if (threads < 1)
            {
                throw new ArgumentException($"--threads {threads} must be at least 1");
            }
            var tokenizer = HfTokenizer.FromPath(parse.GetValue(Tokenizer) ?? BundledAssets.Locate(Trainer.BundledTokenizer));
            var documents = parse.GetValue(File) is { } file ? BenchmarkCorpus.FromFile(file) : BenchmarkCorpus.Default();
            if (documents.Length == 0)
            {
                throw new ArgumentException($"--file {parse.GetValue(File)} has no text");
            }
            var bytes = documents.Sum(d => (long)Encoding.UTF8.GetByteCount(d));
            var single = Measure(() => documents.Sum(d => (long)tokenizer.Encode(d).Length));
            var batch = Measure(() => tokenizer.EncodeBatch(documents, maxDegreeOfParallelism: threads).Sum(ids => (long)ids.Length));
            if (single.Tokens != batch.Tokens)
            {
                throw new InvalidOperationException($"EncodeBatch gave {batch.Tokens} tokens but Encode {single.Tokens} on the same documents");
            }
            Print(output, parse.GetValue(Json), tokenizer.TokenizerJsonPath, documents.Length, bytes, threads, single, batch);
            return 0;
        });
        return command;
    }

    /// <summary>Best of <see cref="Repeats"/> timed runs after an untimed one.</summary>
    private static (long Tokens, double Seconds) Measure(Func<long> encodeAll)
    {
        var tokens = encodeAll();
        var best = double.MaxValue;
        for (var run = 0; run < Repeats; run++)
        {
            var clock = Stopwatch.StartNew();
            tokens = encodeAll();
            best = Math.Min(best, clock.Elapsed.TotalSeconds);
        }
        return (tokens, best);
    }

    private static void Print(TextWriter output, bool json, string path, int documents, long bytes, int threads,
        (long Tokens, double Seconds) single, (long Tokens, double Seconds) batch)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["tokenizer"] = path,
                ["documents"] = documents,
                ["bytes"] = bytes,
                ["tokens"] = single.Tokens,
                ["repeats"] = Repeats,
                ["single_thread"] = Entry(1, single, bytes),
                ["batch"] = Entry(threads, batch, bytes),
            }));
            return;
        }
        output.WriteLine($"# SharpSpeed bench tokenize: {path}; {documents} documents, {bytes / 1e6:F2} MB UTF-8, {single.Tokens:N0} tokens; best of {Repeats}");
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Encode, 1 thread             {single.Tokens / single.Seconds,14:N0} tokens/s {bytes / 1e6 / single.Seconds,9:F2} MB/s"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"EncodeBatch, {threads,2} thread(s)     {batch.Tokens / batch.Seconds,14:N0} tokens/s {bytes / 1e6 / batch.Seconds,9:F2} MB/s"));
    }

    private static Dictionary<string, object> Entry(int threads, (long Tokens, double Seconds) measured, long bytes) => new()
    {
        ["threads"] = threads,
        ["seconds"] = measured.Seconds,
        ["tokens_per_s"] = Math.Round(measured.Tokens / measured.Seconds, 1),
        ["mb_per_s"] = Math.Round(bytes / 1e6 / measured.Seconds, 4),
    };
}
