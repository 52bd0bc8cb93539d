using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// The managed tokenizer against HF's Rust tokenizers on real tokenizer.json files: ids with and without
/// special tokens, decoding with and without special tokens, over <see cref="ParityCorpus"/>.
/// </summary>
public sealed class TokenizerParityTests
{
    public static TheoryData<string> Families => ["gpt2", "deepseek_v3", "llama2", "qwen3", "llama3", "deepseek-tiny"];

    [Theory]
    [MemberData(nameof(Families))]
    public void Encode_and_decode_match_HF_tokenizers(string family)
    {
        var folder = TokenizerFamilies.Folder(family);
        var ours = HfTokenizer.FromPath(folder);
        using var reference = new ReferenceTokenizer(Path.Combine(folder, "tokenizer.json"));
        var mismatches = new List<string>();
        var checkedTexts = 0;
        foreach (var text in ParityCorpus.All())
        {
            checkedTexts++;
            var expected = reference.Encode(text);
            var actual = ours.Encode(text);
            Compare(mismatches, "encode", text, expected, actual);
            Compare(mismatches, "encode without special tokens", text,
                reference.Encode(text, addSpecialTokens: false), ours.Encode(text, addSpecialTokens: false));
            Compare(mismatches, "decode", text, reference.Decode(expected), ours.Decode(expected));
            Compare(mismatches, "decode keeping special tokens", text,
                reference.Decode(expected, skipSpecialTokens: false), ours.Decode(expected, skipSpecialTokens: false));
        }
        Assert.True(checkedTexts > 400);
        Assert.True(mismatches.Count == 0,
            $"{mismatches.Count} differences from HF on {family}; first ones:\n" + string.Join("\n", mismatches.Take(8)));
    }

    /// <summary>Arbitrary id sequences: partial UTF-8 characters, stray byte-fallback tokens, special tokens
    /// anywhere — what a sampling model produces.</summary>
    [Theory]
    [MemberData(nameof(Families))]
    public void Decoding_random_ids_matches_HF_tokenizers(string family)
    {
        var folder = TokenizerFamilies.Folder(family);
        var ours = HfTokenizer.FromPath(folder);
        using var reference = new ReferenceTokenizer(Path.Combine(folder, "tokenizer.json"));
        var random = new Random(family.Length);
        for (var sample = 0; sample < 300; sample++)
        {
            var ids = new int[random.Next(1, 24)];
            for (var i = 0; i < ids.Length; i++)
            {
                // Low ids are bytes and specials in all four families; draw them often.
                ids[i] = random.Next(3) == 0 ? random.Next(300) : random.Next(ours.VocabSize);
            }
            Assert.Equal(reference.Decode(ids), ours.Decode(ids));
            Assert.Equal(reference.Decode(ids, skipSpecialTokens: false), ours.Decode(ids, skipSpecialTokens: false));
        }
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Batch_encoding_on_all_cores_equals_one_by_one(string family)
    {
        var tokenizer = HfTokenizer.FromPath(TokenizerFamilies.Folder(family));
        var texts = ParityCorpus.All().ToArray();
        var batch = tokenizer.EncodeBatch(texts);
        Assert.Equal(texts.Length, batch.Length);
        for (var i = 0; i < texts.Length; i++)
        {
            Assert.Equal(tokenizer.Encode(texts[i]), batch[i]);
        }
    }

    /// <summary>Byte-level BPE is lossless: decoding the ids (keeping added tokens) gives the text back, in NFC
    /// for Qwen3, whose normalizer composes it first.</summary>
    [Theory]
    [InlineData("gpt2")]
    [InlineData("deepseek_v3")]
    [InlineData("qwen3")]
    [InlineData("llama3")]
    [InlineData("deepseek-tiny")]
    public void Byte_level_decode_round_trips_every_text(string family)
    {
        var tokenizer = HfTokenizer.FromPath(TokenizerFamilies.Folder(family));
        foreach (var text in ParityCorpus.All())
        {
            var expected = family == "qwen3" ? text.Normalize(System.Text.NormalizationForm.FormC) : text;
            Assert.Equal(expected, tokenizer.Decode(tokenizer.Encode(text, addSpecialTokens: false), skipSpecialTokens: false));
        }
    }

    /// <summary>Llama 2 (Metaspace convention, byte fallback) gives back every text without special tokens and
    /// without a literal "▁" (which means a space there); byte fallback keeps the emoji and rare characters its
    /// 32k vocabulary lacks.</summary>
    [Fact]
    public void Llama2_decode_round_trips_text_without_special_tokens()
    {
        var tokenizer = HfTokenizer.FromPath(TokenizerFamilies.Llama2);
        foreach (var text in ParityCorpus.All().Where(t => !t.Contains("<s>") && !t.Contains("</s>") && !t.Contains('▁')))
        {
            Assert.Equal(text, tokenizer.Decode(tokenizer.Encode(text)));
        }
    }

    private static void Compare<T>(List<string> mismatches, string what, string text, T expected, T actual)
    {
        var same = expected is int[] e && actual is int[] a ? e.AsSpan().SequenceEqual(a) : Equals(expected, actual);
        if (!same)
        {
            mismatches.Add($"{what} of \"{Escape(text)}\": HF {Show(expected)} ours {Show(actual)}");
        }
    }

    private static string Show<T>(T value) => value is int[] ids ? "[" + string.Join(",", ids) + "]" : $"\"{Escape(value?.ToString() ?? "")}\"";

    private static string Escape(string text) => text.Replace("\n", "\\n").Replace("\r", "\\r").Replace("\t", "\\t");
}
