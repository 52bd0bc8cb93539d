using System.Diagnostics;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Engine.Config;
using SharpSpeed.Models;
using SharpSpeed.Tests.Engine;

namespace SharpSpeed.Tests.Reliability;

/// <summary>
/// Seeded fuzzing of every parser that reads user files (safetensors headers have their own, SafetensorsFuzzTests):
/// 1,000+ mutations each of tokenizer.json, config.json, a DeepSpeed config and dataset lines. Each case is
/// accepted or refused with the parser's own typed error, within a time and allocation bound; any other exception
/// fails the test, naming the seed case that produced it.
/// </summary>
public sealed class ParserFuzzTests : IDisposable
{
    private const int Cases = 1000;

    /// <summary>No case may allocate more than this (the documents are a few KB; a size field of 2^31 must not be believed).</summary>
    private const long AllocationBound = 64L << 20;

    private static readonly TimeSpan TimeBound = TimeSpan.FromSeconds(5);

    private const string Tokenizer = """
        {"version": "1.0", "truncation": null, "padding": null,
         "added_tokens": [{"id": 8, "content": "<s>", "single_word": false, "lstrip": false, "rstrip": false, "normalized": false, "special": true}],
         "normalizer": null,
         "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "trim_offsets": true, "use_regex": true},
         "post_processor": {"type": "TemplateProcessing", "single": [{"SpecialToken": {"id": "<s>", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}}],
            "pair": [{"Sequence": {"id": "A", "type_id": 0}}], "special_tokens": {"<s>": {"id": "<s>", "ids": [8], "tokens": ["<s>"]}}},
         "decoder": {"type": "ByteLevel", "add_prefix_space": true, "trim_offsets": true, "use_regex": true},
         "model": {"type": "BPE", "dropout": null, "unk_token": null, "continuing_subword_prefix": null, "end_of_word_suffix": null,
            "fuse_unk": false, "byte_fallback": false, "ignore_merges": false,
            "vocab": {"a": 0, "b": 1, "c": 2, "Ġ": 3, "ab": 4, "abc": 5, "Ġa": 6, "Ġab": 7},
            "merges": ["a b", "ab c", "Ġ a", "Ġa b"]}}
        """;

    private const string ChatLine =
        """{"messages":[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}""";

    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-fuzz-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Runs <paramref name="parse"/> on <see cref="Cases"/> mutations; returns (accepted, refused).</summary>
    private static (int Accepted, int Refused) Fuzz(
        string document, int seed, Action<byte[]> parse, Func<Exception, bool> isTypedError)
    {
        var random = new Random(seed);
        int accepted = 0, refused = 0;
        for (var i = 0; i < Cases; i++)
        {
            var mutated = JsonMutations.Apply(document, random);
            var allocated = GC.GetAllocatedBytesForCurrentThread();
            var clock = Stopwatch.StartNew();
            try
            {
                parse(mutated);
                accepted++;
            }
            catch (Exception e) when (isTypedError(e))
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Message), $"case {i}: an empty error message");
                refused++;
            }
            catch (Exception e)
            {
                Assert.Fail($"case {i} (seed {seed}): {e}\n{System.Text.Encoding.UTF8.GetString(mutated)}");
            }
            Assert.True(clock.Elapsed < TimeBound, $"case {i} (seed {seed}) took {clock.Elapsed}");
            var used = GC.GetAllocatedBytesForCurrentThread() - allocated;
            Assert.True(used < AllocationBound, $"case {i} (seed {seed}) allocated {used:N0} bytes");
        }
        return (accepted, refused);
    }

    [Fact]
    public void TokenizerJson()
    {
        var folder = Path.Combine(_dir, "tokenizer");
        Directory.CreateDirectory(folder);
        var path = Path.Combine(folder, "tokenizer.json");
        // BPE applies merges by rank: "a b" (rank 0) takes the 'a' of "Ġa" before "Ġ a" (rank 2) can, so " ab" is Ġ + ab.
        Assert.Equal([8, 5, 3, 4], HfTokenizer.FromPath(Write(path, System.Text.Encoding.UTF8.GetBytes(Tokenizer))).Encode("abc ab"));
        var (accepted, refused) = Fuzz(Tokenizer, 101, bytes =>
        {
            var tokenizer = HfTokenizer.FromPath(Write(path, bytes));
            int[] ids;
            try
            {
                ids = tokenizer.Encode("abc ab <s> c");
            }
            catch (InvalidOperationException e) when (e.Message.Contains("is not in the BPE vocabulary", StringComparison.Ordinal))
            {
                return; // a loadable tokenizer that cannot spell this text: Encode's own documented refusal
            }
            _ = tokenizer.Decode(ids);
        }, e => e is InvalidDataException or NotSupportedException);
        Assert.True(accepted > 50 && refused > 300, $"accepted {accepted}, refused {refused}");
    }

    [Fact]
    public void ConfigJson()
    {
        var path = Path.Combine(_dir, "config.json");
        var document = NamedModelConfigs.Tiny.ToConfigJson();
        var (accepted, refused) = Fuzz(document, 202, bytes => ModelConfig.LoadFile(Write(path, bytes)), e => e is InvalidDataException);
        Assert.True(accepted > 50 && refused > 300, $"accepted {accepted}, refused {refused}");
    }

    [Fact]
    public void DeepSpeedJson()
    {
        var document = File.ReadAllText(RepositoryFiles.Path("examples/ds_config_zero2.json"));
        var (accepted, refused) = Fuzz(document, 303,
            bytes => DeepSpeedConfigParser.Parse(DeepSpeedFile.FromJson("ds.json", System.Text.Encoding.UTF8.GetString(bytes)), worldSize: 2),
            e => e is DeepSpeedConfigException);
        Assert.True(accepted > 20 && refused > 300, $"accepted {accepted}, refused {refused}");
    }

    [Fact]
    public void DatasetLines()
    {
        var path = Path.Combine(_dir, "chat.jsonl");
        var good = System.Text.Encoding.UTF8.GetBytes(ChatLine + "\n");
        var (accepted, refused) = Fuzz(ChatLine, 404, bytes =>
        {
            // The mutated line between two good ones: its number must be the one an error names.
            Write(path, [.. good, .. bytes, (byte)'\n', .. good]);
            try
            {
                DatasetLoader.Load(path, new DatasetOptions());
            }
            catch (InvalidRecordException e)
            {
                Assert.Equal(2, e.Line);
                throw;
            }
        }, e => e is InvalidRecordException or InvalidDataException);
        Assert.True(accepted > 20 && refused > 300, $"accepted {accepted}, refused {refused}");
    }

    private static string Write(string path, byte[] bytes)
    {
        File.WriteAllBytes(path, bytes);
        return path;
    }
}
