using System.Text;

namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// Documents for tokenizer throughput measurements (`sharpspeed bench tokenize`, bench/TokenizerBench): the
/// paragraphs of a text file, or a built-in mix of English prose, code and Chinese.
/// </summary>
public static class BenchmarkCorpus
{
    /// <summary>The file's paragraphs (split at blank lines).</summary>
    public static string[] FromFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"corpus file {path} does not exist", path);
        }
        return File.ReadAllText(path).Split("\n\n", StringSplitOptions.RemoveEmptyEntries);
    }

    /// <summary>
    /// Licence texts in /usr/share/common-licenses and SharpSpeed's own C# sources (when the program runs from a
    /// checkout) plus seeded Chinese paragraphs drawn from common characters with punctuation, so the three kinds of
    /// text weigh roughly equally. Deterministic on a given machine and checkout.
    /// </summary>
    public static string[] Default()
    {
        var documents = new List<string>();
        const string licences = "/usr/share/common-licenses";
        if (Directory.Exists(licences))
        {
            foreach (var file in Directory.EnumerateFiles(licences).Order(StringComparer.Ordinal).Take(12))
            {
                documents.AddRange(FromFile(file));
            }
        }
        if (SourceFolder() is { } sources)
        {
            foreach (var file in Directory.EnumerateFiles(sources, "*.cs", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
            {
                documents.Add(File.ReadAllText(file));
            }
        }
        const string common = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处理府研质";
        var random = new Random(7);
        var target = Math.Max(20_000, documents.Sum(d => d.Length) / 2);
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
        return [.. documents];
    }

    /// <summary>The checkout's src folder above the running program, if it runs from one.</summary>
    private static string? SourceFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var sources = Path.Combine(dir.FullName, "src");
            if (File.Exists(Path.Combine(sources, "SharpSpeed", "SharpSpeed.csproj")))
            {
                return sources;
            }
        }
        return null;
    }
}
