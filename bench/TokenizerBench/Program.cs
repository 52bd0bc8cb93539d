using System.Diagnostics;
using System.Text;
using SharpSpeed.Data.Tokenization;

// Usage: dotnet run -c Release --project bench/TokenizerBench -- TOKENIZER_DIR_OR_FILE [CORPUS_FILE] [--threads N]
// Prints single-thread and all-core encode throughput (tokens/s, MB/s) of SharpSpeed's tokenizer and of HF's
// Rust tokenizers on the same documents, after checking that both give the same ids.
if (args.Length < 1)
{
    Console.Error.WriteLine("usage: TokenizerBench TOKENIZER_DIR_OR_FILE [CORPUS_FILE] [--threads N]");
    return 2;
}
var threadsAt = Array.IndexOf(args, "--threads");
var threads = threadsAt >= 0 ? int.Parse(args[threadsAt + 1], System.Globalization.CultureInfo.InvariantCulture) : Environment.ProcessorCount;
var positional = args.Where((_, i) => threadsAt < 0 || (i != threadsAt && i != threadsAt + 1)).ToArray();

var loading = Stopwatch.StartNew();
var ours = HfTokenizer.FromPath(positional[0]);
var oursLoad = loading.Elapsed.TotalMilliseconds;
loading.Restart();
using var hf = new Tokenizers.DotNet.Tokenizer(ours.TokenizerJsonPath);
var hfLoad = loading.Elapsed.TotalMilliseconds;
var documents = positional.Length > 1 ? BenchmarkCorpus.FromFile(positional[1]) : BenchmarkCorpus.Default();
var megabytes = documents.Sum(d => Encoding.UTF8.GetByteCount(d)) / 1e6;
Console.WriteLine($"tokenizer {ours.TokenizerJsonPath}");
Console.WriteLine($"load      SharpSpeed {oursLoad:F0} ms, HF Rust {hfLoad:F0} ms (first load in this process)");
Console.WriteLine($"corpus    {documents.Length} documents, {megabytes:F2} MB UTF-8; {Environment.ProcessorCount} cores, batch threads {threads}");

var mismatches = documents.Count(d => !ours.Encode(d).AsSpan().SequenceEqual(Array.ConvertAll(hf.Encode(d), id => (int)id)));
Console.WriteLine($"ids equal on {documents.Length - mismatches}/{documents.Length} documents");

long tokens = 0;
Report("SharpSpeed, 1 thread", () => { tokens = 0; foreach (var d in documents) tokens += ours.Encode(d).Length; return tokens; });
Report("HF Rust,    1 thread", () => { tokens = 0; foreach (var d in documents) tokens += hf.Encode(d).Length; return tokens; });
Report($"SharpSpeed, {threads} threads (EncodeBatch)", () => ours.EncodeBatch(documents, maxDegreeOfParallelism: threads).Sum(ids => (long)ids.Length));
Report($"HF Rust,    {threads} threads (Parallel.For)", () =>
{
    var counts = new long[documents.Length];
    Parallel.For(0, documents.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => counts[i] = hf.Encode(documents[i]).Length);
    return counts.Sum();
});
return mismatches == 0 ? 0 : 1;

void Report(string name, Func<long> encodeAll)
{
    encodeAll();
    var best = double.MaxValue;
    long count = 0;
    for (var run = 0; run < 3; run++)
    {
        var clock = Stopwatch.StartNew();
        count = encodeAll();
        best = Math.Min(best, clock.Elapsed.TotalSeconds);
    }
    Console.WriteLine($"{name,-44} {count / best,12:N0} tokens/s  {megabytes / best,7:F2} MB/s  ({count:N0} tokens, best of 3: {best * 1000:F0} ms)");
}
