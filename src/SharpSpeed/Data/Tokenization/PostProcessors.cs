namespace SharpSpeed.Data.Tokenization;

/// <summary>A tokenizer.json "post_processor": adds the special tokens (BOS, CLS/SEP) around an encoded text.</summary>
internal interface IPostProcessor
{
    /// <summary>How many special tokens it adds to a single sequence (truncation leaves room for them).</summary>
    int AddedTokenCount { get; }

    List<int> Process(List<int> ids, bool addSpecialTokens);
}

internal static class PostProcessors
{
    public static IPostProcessor? FromJson(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }
        return section.Type switch
        {
            "TemplateProcessing" => TemplatePostProcessor.FromJson(section),
            // ByteLevel's post-processing only trims offsets; the ids stay as they are.
            "ByteLevel" => new WrappingPostProcessor([], []),
            "RobertaProcessing" or "BertProcessing" => new WrappingPostProcessor(
                [TokenId(section.Child("cls"))], [TokenId(section.Child("sep"))]),
            "Sequence" => new SequencePostProcessor(
                section.Items("processors").Select(FromJson).OfType<IPostProcessor>().ToArray()),
            _ => throw section.Unsupported("post-processor"),
        };
    }

    /// <summary>Roberta/Bert write their tokens as ["&lt;s&gt;", 0].</summary>
    private static int TokenId(JsonSection pair)
    {
        if (pair.Element.ValueKind != System.Text.Json.JsonValueKind.Array || pair.Element.GetArrayLength() != 2
            || pair.Element[1].ValueKind != System.Text.Json.JsonValueKind.Number || !pair.Element[1].TryGetInt32(out var id))
        {
            throw pair.Error("must be [token, id]");
        }
        return id;
    }
}

internal sealed class WrappingPostProcessor(int[] before, int[] after) : IPostProcessor
{
    public int AddedTokenCount => before.Length + after.Length;

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens || before.Length + after.Length == 0)
        {
            return ids;
        }
        var result = new List<int>(before.Length + ids.Count + after.Length);
        result.AddRange(before);
        result.AddRange(ids);
        result.AddRange(after);
        return result;
    }
}

internal sealed class SequencePostProcessor(IPostProcessor[] steps) : IPostProcessor
{
    public int AddedTokenCount => steps.Sum(step => step.AddedTokenCount);

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        foreach (var step in steps)
        {
            ids = step.Process(ids, addSpecialTokens);
        }
        return ids;
    }
}

/// <summary>TemplateProcessing's "single" template: special-token pieces around the sequence "$A".</summary>
internal sealed class TemplatePostProcessor(int[]?[] pieces) : IPostProcessor
{
    public int AddedTokenCount => pieces.Sum(piece => piece?.Length ?? 0);

    public static TemplatePostProcessor FromJson(JsonSection section)
    {
        var specialIds = new Dictionary<string, int[]>(StringComparer.Ordinal);
        var specials = section.Child("special_tokens");
        if (!specials.IsNull)
        {
            foreach (var entry in specials.Element.EnumerateObject())
            {
                var special = specials.Child(entry.Name);
                specialIds[entry.Name] = special.Items("ids").Select(i => i.Element.ValueKind == System.Text.Json.JsonValueKind.Number && i.Element.TryGetInt32(out var id)
                    ? id
                    : throw i.Error("must be an integer id")).ToArray();
            }
        }
        var pieces = new List<int[]?>();
        foreach (var piece in section.Items("single"))
        {
            var specialToken = piece.Child("SpecialToken");
            if (!specialToken.IsNull)
            {
                var name = specialToken.RequiredString("id");
                pieces.Add(specialIds.TryGetValue(name, out var ids)
                    ? ids
                    : throw specialToken.Error($"names '{name}', which post_processor.special_tokens does not define"));
            }
            else if (!piece.Child("Sequence").IsNull)
            {
                if (piece.Child("Sequence").RequiredString("id") != "A")
                {
                    throw piece.Error("uses sequence B in the single-sequence template");
                }
                pieces.Add(null);
            }
            else
            {
                throw piece.Error("must be {\"SpecialToken\": ...} or {\"Sequence\": ...}");
            }
        }
        return new TemplatePostProcessor(pieces.ToArray());
    }

    public List<int> Process(List<int> ids, bool addSpecialTokens)
    {
        if (!addSpecialTokens)
        {
            return ids;
        }
        var result = new List<int>(ids.Count + pieces.Length);
        foreach (var piece in pieces)
        {
            if (piece is null)
            {
                result.AddRange(ids);
            }
            else
            {
                result.AddRange(piece);
            }
        }
        return result;
    }
}
