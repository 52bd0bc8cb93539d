using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// Makes assets/tokenizers/deepseek-tiny from DeepSeek-V3's real tokenizer.json: the same pre-tokenizer
/// (Split regexes + ByteLevel), the full 256-symbol byte alphabet, the first <see cref="MergeCount"/> merges
/// in rank order, and the special tokens a chat model uses (the 800 place-holder tokens are dropped). Ids are
/// renumbered compactly in the original order, so BOS/EOS/PAD stay 0/1/2. Byte-level BPE needs no
/// unknown token: any text, Chinese included, encodes (as bytes where no merge applies).
/// Run with SHARPSPEED_WRITE_ASSETS=1 to rewrite the committed files (see DeepSeekTinyTokenizerTests).
/// </summary>
internal static class DeepSeekTinyTokenizerGenerator
{
    /// <summary>With 3 + 256 base symbols and 15 chat/tool special tokens this gives 6000 ids.</summary>
    public const int MergeCount = 5726;

    public const string BosToken = "<｜begin▁of▁sentence｜>";
    public const string EosToken = "<｜end▁of▁sentence｜>";
    public const string PadToken = "<｜▁pad▁｜>";

    /// <summary>DeepSeek-LLM chat's template: "User: ...\n\nAssistant: ...&lt;eos&gt;" after BOS.</summary>
    public const string ChatTemplate =
        "{% if not add_generation_prompt is defined %}{% set add_generation_prompt = false %}{% endif %}" +
        "{{ bos_token }}{% for message in messages %}{% if message['role'] == 'user' %}" +
        "{{ 'User: ' + message['content'] + '\n\n' }}{% elif message['role'] == 'assistant' %}" +
        "{{ 'Assistant: ' + message['content'] + eos_token }}{% elif message['role'] == 'system' %}" +
        "{{ message['content'] + '\n\n' }}{% endif %}{% endfor %}" +
        "{% if add_generation_prompt %}{{ 'Assistant:' }}{% endif %}";

    private static readonly JsonSerializerOptions Output = new()
    {
        WriteIndented = true,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Returns (tokenizer.json, tokenizer_config.json) texts made from DeepSeek-V3's tokenizer.json.</summary>
    public static (string TokenizerJson, string TokenizerConfigJson) Generate(string deepSeekTokenizerJson)
    {
        var source = JsonNode.Parse(File.ReadAllText(deepSeekTokenizerJson))!.AsObject();
        var model = source["model"]!.AsObject();
        var vocab = model["vocab"]!.AsObject().ToDictionary(p => p.Key, p => p.Value!.GetValue<int>());
        var merges = model["merges"]!.AsArray().Select(m => m!.GetValue<string>()).ToList();

        var kept = new HashSet<string>(ByteAlphabet()) { BosToken, EosToken, PadToken };
        foreach (var symbol in kept.Where(s => !vocab.ContainsKey(s)))
        {
            throw new InvalidDataException($"{deepSeekTokenizerJson}: symbol '{symbol}' missing from model.vocab");
        }
        var keptMerges = merges.Take(MergeCount).ToList();
        foreach (var merge in keptMerges)
        {
            var parts = merge.Split(' ');
            if (parts.Length != 2 || !kept.Contains(parts[0]) || !kept.Contains(parts[1]))
            {
                throw new InvalidDataException($"{deepSeekTokenizerJson}: merge '{merge}' uses a symbol no earlier merge made");
            }
            kept.Add(parts[0] + parts[1]);
        }

        var addedTokens = source["added_tokens"]!.AsArray()
            .Select(t => t!.AsObject())
            .Where(t => !t["content"]!.GetValue<string>().StartsWith("<｜place▁holder", StringComparison.Ordinal))
            .ToList();
        var originalIds = new SortedDictionary<int, string>();
        foreach (var token in kept)
        {
            originalIds.Add(vocab[token], token);
        }
        foreach (var added in addedTokens)
        {
            originalIds[added["id"]!.GetValue<int>()] = added["content"]!.GetValue<string>();
        }
        var newId = originalIds.Values.Select((token, index) => (token, index)).ToDictionary(p => p.token, p => p.index);

        var newVocab = new JsonObject();
        foreach (var (token, id) in newId.Where(p => kept.Contains(p.Key)))
        {
            newVocab[token] = id;
        }
        var newAdded = new JsonArray();
        foreach (var added in addedTokens)
        {
            var copy = added.DeepClone().AsObject();
            copy["id"] = newId[added["content"]!.GetValue<string>()];
            newAdded.Add(copy);
        }
        var bosId = newId[BosToken];

        var newModel = model.DeepClone().AsObject();
        newModel["vocab"] = newVocab;
        newModel["merges"] = new JsonArray(keptMerges.Select(m => (JsonNode)JsonValue.Create(m)).ToArray());
        var tokenizer = new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = newAdded,
            ["normalizer"] = source["normalizer"]!.DeepClone(),
            ["pre_tokenizer"] = source["pre_tokenizer"]!.DeepClone(),
            // What transformers' LlamaTokenizerFast installs for add_bos_token=true, so that HF tokenizers and
            // transformers both put BOS in front.
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(SpecialPiece(BosToken, 0), SequencePiece("A", 0)),
                ["pair"] = new JsonArray(SpecialPiece(BosToken, 0), SequencePiece("A", 0),
                    SpecialPiece(BosToken, 1), SequencePiece("B", 1)),
                ["special_tokens"] = new JsonObject
                {
                    [BosToken] = new JsonObject
                    {
                        ["id"] = BosToken, ["ids"] = new JsonArray(bosId), ["tokens"] = new JsonArray(BosToken),
                    },
                },
            },
            ["decoder"] = source["decoder"]!.DeepClone(),
            ["model"] = newModel,
        };
        var config = new JsonObject
        {
            ["add_bos_token"] = true,
            ["add_eos_token"] = false,
            ["bos_token"] = BosToken,
            ["eos_token"] = EosToken,
            ["pad_token"] = PadToken,
            ["unk_token"] = null,
            ["clean_up_tokenization_spaces"] = false,
            ["legacy"] = true,
            ["model_max_length"] = 4096,
            ["tokenizer_class"] = "LlamaTokenizerFast",
            ["chat_template"] = ChatTemplate,
        };
        return (tokenizer.ToJsonString(Output) + "\n", config.ToJsonString(Output) + "\n");
    }

    private static JsonObject SpecialPiece(string token, int typeId) =>
        new() { ["SpecialToken"] = new JsonObject { ["id"] = token, ["type_id"] = typeId } };

    private static JsonObject SequencePiece(string sequence, int typeId) =>
        new() { ["Sequence"] = new JsonObject { ["id"] = sequence, ["type_id"] = typeId } };

    /// <summary>GPT-2's printable stand-ins for the 256 byte values (the ByteLevel alphabet).</summary>
    private static IEnumerable<string> ByteAlphabet()
    {
        var next = 256;
        for (var b = 0; b < 256; b++)
        {
            var printable = b is >= '!' and <= '~' or >= 0xA1 and <= 0xAC or >= 0xAE and <= 0xFF;
            yield return ((char)(printable ? b : next++)).ToString();
        }
    }
}
