using System.Text.Json.Nodes;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// Components the three families do not use (or use in one setting only), each put into a real tokenizer
/// (Llama 2's SentencePiece-style vocabulary, or the byte-level deepseek-tiny) and compared with HF's Rust
/// tokenizers on the same corpus: Metaspace prepend schemes, every Split behavior, Digits, Whitespace,
/// Lowercase/Strip, unk without byte fallback, ignore_merges, added tokens with lstrip/rstrip/single_word,
/// Roberta/Bert/Sequence post-processors, the NFD/NFKC/NFKD normalizers, the Metaspace/Strip/Replace decoders, truncation and padding.
/// </summary>
public sealed class TokenizerFeatureParityTests
{
    private const string Metaspace = "▁";

    public static TheoryData<string> Variants =>
    [
        "metaspace-first", "metaspace-always-nosplit", "metaspace-never", "lowercase-strip-whitespacesplit-digits",
        "split-removed", "split-merged-previous", "split-merged-next", "split-contiguous-inverted",
        "whitespace-digits-contiguous", "unk-fused", "unk-not-fused", "ignore-merges", "added-token-options",
        "roberta", "bert-sequence", "bytelevel-prefix-space", "bytelevel-nfd", "bytelevel-nfkc", "bytelevel-nfkd",
        "truncate-right-pad-fixed-left",
        "truncate-left-pad-multiple",
    ];

    [Theory]
    [MemberData(nameof(Variants))]
    public void Variant_matches_HF_tokenizers(string variant)
    {
        var document = Build(variant);
        var path = Path.Combine(Path.GetTempPath(), $"sharpspeed-variant-{variant}-{Guid.NewGuid():N}.json");
        File.WriteAllText(path, document.ToJsonString());
        try
        {
            var ours = HfTokenizer.FromPath(path);
            using var reference = new ReferenceTokenizer(path);
            var texts = ParityCorpus.Handwritten.Concat(ParityCorpus.Random(150, seed: variant.Length))
                .Concat(["<x> <x>word x<x>x ab<x> <y>  <y>z", "a <y>b", "  <x>  ", "HELLO   World  123 456"])
                .Concat(["ﬁne ① x² Å Å ｱﾊﾟ \u1112\u1161\u11AB 한 ㎏ ǅ ﬀ ½ Ⅻ", "İstanbul DİYARBAKIR ıi"]);
            foreach (var text in texts)
            {
                var expected = reference.Encode(text);
                Assert.True(expected.AsSpan().SequenceEqual(ours.Encode(text)),
                    $"{variant}: encode of \"{text}\": HF [{string.Join(",", expected)}] ours [{string.Join(",", ours.Encode(text))}]");
                Assert.Equal(reference.Encode(text, addSpecialTokens: false), ours.Encode(text, addSpecialTokens: false));
                Assert.Equal(reference.Decode(expected), ours.Decode(expected));
                Assert.Equal(reference.Decode(expected, skipSpecialTokens: false), ours.Decode(expected, skipSpecialTokens: false));
            }
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static JsonNode Build(string variant)
    {
        var byteLevel = variant.StartsWith("bytelevel", StringComparison.Ordinal);
        var source = byteLevel
            ? Path.Combine(SharpSpeed.IO.BundledAssets.Locate("tokenizers/deepseek-tiny"), "tokenizer.json")
            : Path.Combine(TokenizerFamilies.Llama2, "tokenizer.json");
        var json = JsonNode.Parse(File.ReadAllText(source))!;
        JsonNode Split(string pattern, string behavior, bool invert, bool regex = false) => new JsonObject
        {
            ["type"] = "Split",
            ["pattern"] = new JsonObject { [regex ? "Regex" : "String"] = pattern },
            ["behavior"] = behavior,
            ["invert"] = invert,
        };
        JsonNode MetaspacePre(string scheme, bool split) => new JsonObject
        {
            ["type"] = "Metaspace", ["replacement"] = Metaspace, ["prepend_scheme"] = scheme, ["split"] = split,
        };
        JsonNode MetaspaceDecoder(string scheme) => new JsonObject
        {
            ["type"] = "Metaspace", ["replacement"] = Metaspace, ["prepend_scheme"] = scheme, ["split"] = true,
        };
        switch (variant)
        {
            case "metaspace-first":
                json["normalizer"] = null;
                json["pre_tokenizer"] = MetaspacePre("first", split: true);
                json["decoder"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["decoders"] = new JsonArray(new JsonObject { ["type"] = "ByteFallback" }, MetaspaceDecoder("first")),
                };
                break;
            case "metaspace-always-nosplit":
                json["normalizer"] = null;
                json["pre_tokenizer"] = MetaspacePre("always", split: false);
                json["decoder"] = MetaspaceDecoder("always");
                break;
            case "metaspace-never":
                json["normalizer"] = null;
                json["pre_tokenizer"] = MetaspacePre("never", split: true);
                json["decoder"] = MetaspaceDecoder("never");
                break;
            case "lowercase-strip-whitespacesplit-digits":
                json["normalizer"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["normalizers"] = new JsonArray(
                        new JsonObject { ["type"] = "Lowercase" },
                        new JsonObject { ["type"] = "Strip", ["strip_left"] = true, ["strip_right"] = true }),
                };
                json["pre_tokenizer"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["pretokenizers"] = new JsonArray(
                        new JsonObject { ["type"] = "WhitespaceSplit" },
                        new JsonObject { ["type"] = "Digits", ["individual_digits"] = true }),
                };
                break;
            case "split-removed":
                json["pre_tokenizer"] = Split(Metaspace, "Removed", invert: false);
                break;
            case "split-merged-previous":
                json["pre_tokenizer"] = Split(@"\p{P}+", "MergedWithPrevious", invert: false, regex: true);
                break;
            case "split-merged-next":
                json["pre_tokenizer"] = Split(Metaspace, "MergedWithNext", invert: false);
                break;
            case "split-contiguous-inverted":
                json["pre_tokenizer"] = Split(@"\p{L}", "Contiguous", invert: true, regex: true);
                break;
            case "whitespace-digits-contiguous":
                json["normalizer"] = null;
                json["pre_tokenizer"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["pretokenizers"] = new JsonArray(
                        new JsonObject { ["type"] = "Whitespace" },
                        new JsonObject { ["type"] = "Digits", ["individual_digits"] = false }),
                };
                break;
            case "unk-fused":
            case "unk-not-fused":
                json["model"]!["byte_fallback"] = false;
                json["model"]!["fuse_unk"] = variant == "unk-fused";
                break;
            case "ignore-merges":
                json["model"]!["ignore_merges"] = true;
                break;
            case "added-token-options":
                var added = json["added_tokens"]!.AsArray();
                added.Add(AddedToken(32000, "<x>", lstrip: true, rstrip: false, singleWord: false, normalized: false, special: true));
                added.Add(AddedToken(32001, "<y>", lstrip: false, rstrip: true, singleWord: false, normalized: true, special: false));
                added.Add(AddedToken(32002, "ab", lstrip: false, rstrip: false, singleWord: true, normalized: false, special: false));
                added.Add(AddedToken(32003, "▁the", lstrip: false, rstrip: false, singleWord: false, normalized: true, special: false));
                break;
            case "roberta":
                json["post_processor"] = new JsonObject
                {
                    ["type"] = "RobertaProcessing", ["sep"] = new JsonArray("</s>", 2), ["cls"] = new JsonArray("<s>", 1),
                    ["trim_offsets"] = true, ["add_prefix_space"] = true,
                };
                break;
            case "bert-sequence":
                // Strip's "stop" stays 0: HF 0.22 panics (index out of bounds) on an empty token when it is set.
                json["post_processor"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["processors"] = new JsonArray(
                        new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = false, ["use_regex"] = true },
                        new JsonObject { ["type"] = "BertProcessing", ["sep"] = new JsonArray("</s>", 2), ["cls"] = new JsonArray("<s>", 1) }),
                };
                json["decoder"] = new JsonObject
                {
                    ["type"] = "Sequence",
                    ["decoders"] = new JsonArray(
                        new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = "▁+" }, ["content"] = " " },
                        new JsonObject { ["type"] = "ByteFallback" },
                        new JsonObject { ["type"] = "Fuse" },
                        new JsonObject { ["type"] = "Strip", ["content"] = " ", ["start"] = 2, ["stop"] = 0 }),
                };
                break;
            case "bytelevel-nfd":
            case "bytelevel-nfkc":
            case "bytelevel-nfkd":
                // Byte-level ids show every change a Unicode normalizer makes (NFC itself is Qwen3's, a family).
                json["normalizer"] = new JsonObject { ["type"] = variant["bytelevel-".Length..].ToUpperInvariant() };
                break;
            case "bytelevel-prefix-space":
                json["pre_tokenizer"] = new JsonObject
                {
                    ["type"] = "ByteLevel", ["add_prefix_space"] = true, ["trim_offsets"] = true, ["use_regex"] = true,
                };
                break;
            case "truncate-right-pad-fixed-left":
                json["truncation"] = new JsonObject
                {
                    ["direction"] = "Right", ["max_length"] = 12, ["strategy"] = "LongestFirst", ["stride"] = 0,
                };
                json["padding"] = new JsonObject
                {
                    ["strategy"] = new JsonObject { ["Fixed"] = 9 }, ["direction"] = "Left", ["pad_to_multiple_of"] = null,
                    ["pad_id"] = 0, ["pad_type_id"] = 0, ["pad_token"] = "<unk>",
                };
                break;
            case "truncate-left-pad-multiple":
                json["truncation"] = new JsonObject
                {
                    ["direction"] = "Left", ["max_length"] = 20, ["strategy"] = "LongestFirst", ["stride"] = 0,
                };
                json["padding"] = new JsonObject
                {
                    ["strategy"] = "BatchLongest", ["direction"] = "Right", ["pad_to_multiple_of"] = 8,
                    ["pad_id"] = 2, ["pad_type_id"] = 0, ["pad_token"] = "</s>",
                };
                break;
            default:
                throw new ArgumentException($"unknown variant {variant}", nameof(variant));
        }
        return json;
    }

    private static JsonObject AddedToken(int id, string content, bool lstrip, bool rstrip, bool singleWord, bool normalized, bool special) => new()
    {
        ["id"] = id, ["content"] = content, ["single_word"] = singleWord, ["lstrip"] = lstrip, ["rstrip"] = rstrip,
        ["normalized"] = normalized, ["special"] = special,
    };
}
