using System.Text.Json.Nodes;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// HuggingFace's own Rust tokenizers (0.22, through Tokenizers.DotNet), the truth the managed tokenizer is
/// compared with. Tokenizers.DotNet always adds the post-processor's tokens and always drops special tokens
/// when decoding, so the other two behaviours come from variants of the same file: one without its
/// post-processor, one whose added tokens are not marked special.
/// </summary>
internal sealed class ReferenceTokenizer : IDisposable
{
    private readonly Tokenizers.DotNet.Tokenizer _asIs;
    private readonly Tokenizers.DotNet.Tokenizer _withoutPostProcessor;
    private readonly Tokenizers.DotNet.Tokenizer _withoutSpecialFlags;

    public ReferenceTokenizer(string tokenizerJson)
    {
        _asIs = new Tokenizers.DotNet.Tokenizer(tokenizerJson);
        var root = JsonNode.Parse(File.ReadAllText(tokenizerJson))!;
        var withoutPostProcessor = root.DeepClone();
        withoutPostProcessor["post_processor"] = null;
        _withoutPostProcessor = LoadVariant(withoutPostProcessor);
        var withoutSpecialFlags = root.DeepClone();
        foreach (var added in withoutSpecialFlags["added_tokens"]?.AsArray() ?? [])
        {
            added!["special"] = false;
        }
        _withoutSpecialFlags = LoadVariant(withoutSpecialFlags);
    }

    public int[] Encode(string text, bool addSpecialTokens = true) =>
        Array.ConvertAll((addSpecialTokens ? _asIs : _withoutPostProcessor).Encode(text), id => checked((int)id));

    public string Decode(int[] ids, bool skipSpecialTokens = true) =>
        (skipSpecialTokens ? _asIs : _withoutSpecialFlags).Decode(Array.ConvertAll(ids, id => checked((uint)id)));

    public void Dispose()
    {
        _asIs.Dispose();
        _withoutPostProcessor.Dispose();
        _withoutSpecialFlags.Dispose();
    }

    /// <summary>The native side reads the file while loading, so the variant is deleted right after.</summary>
    private static Tokenizers.DotNet.Tokenizer LoadVariant(JsonNode document)
    {
        var path = Path.Combine(Path.GetTempPath(), $"sharpspeed-reference-{Guid.NewGuid():N}.json");
        try
        {
            File.WriteAllText(path, document.ToJsonString());
            return new Tokenizers.DotNet.Tokenizer(path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
