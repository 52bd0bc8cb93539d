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
var documents = positional.Length > 1 ? Corpus.FromFile(positional[1]) : Corpus.Default();
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

/// <summary>Benchmark documents: paragraphs of a text file, or a built-in mix of English, Chinese and code.</summary>
internal static class Corpus
{
    public static string[] FromFile(string path) =>
        File.ReadAllText(path).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// Licence texts and C# sources found on this machine (English prose, code) plus seeded Chinese paragraphs
    /// drawn from common characters with punctuation, so the three kinds of text weigh roughly equally.
    /// </summary>
    public static string[] Default()
    {
        var documents = new List<string>();
        foreach (var file in Directory.EnumerateFiles("/usr/share/common-licenses").Order().Take(12))
        {
            documents.AddRange(FromFile(file));
        }
        var sources = Path.Combine(AppContext.BaseDirectory, "../../../../../src");
        if (Directory.Exists(sources))
        {
            foreach (var file in Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories).Order())
            {
                documents.Add(File.ReadAllText(file));
            }
        }
        const string common = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质";
        var random = new Random(7);
        var target = documents.Sum(d => d.Length) / 2;
        for (var written = 0; written < target;)
        {
            var paragraph = new StringBuilder();
            for (var sentence = random.Next(2, 8); sentence > 0; sentence--)
            {
                for (var length = random.Next(8, 30); length > 0; length--)
                {
                    paragraph.Append(common[random.Next(common.Length)]);
                }
                paragraph.Append(random.Next(4) == 0 ? "，" : "。");
            }
            documents.Add(paragraph.ToString());
            written += paragraph.Length;
        }
        return documents.ToArray();
    }
}
