namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// tokenizer.json's "truncation" and "padding" sections, which HF applies inside <c>encode</c> itself:
/// truncation before the post-processor (leaving room for the special tokens it adds), padding after it.
/// </summary>
internal sealed record TruncationAndPadding(
    int? MaxLength,
    bool TruncateLeft,
    int? FixedLength,
    bool PadLeft,
    int PadToMultipleOf,
    int PadId,
    bool Pads)
{
    public static TruncationAndPadding? FromJson(JsonSection truncation, JsonSection padding)
    {
        if (truncation.IsNull && padding.IsNull)
        {
            return null;
        }
        int? maxLength = null;
        var truncateLeft = false;
        if (!truncation.IsNull)
        {
            maxLength = truncation.RequiredInt("max_length");
            truncateLeft = Direction(truncation);
        }
        int? fixedLength = null;
        var padLeft = false;
        var multiple = 0;
        var padId = 0;
        if (!padding.IsNull)
        {
            var strategy = padding.Child("strategy");
            if (strategy.Element.ValueKind == System.Text.Json.JsonValueKind.Object)
            {
                fixedLength = strategy.RequiredInt("Fixed");
            }
            else if (strategy.Element.ValueKind != System.Text.Json.JsonValueKind.String
                     || strategy.Element.GetString() != "BatchLongest")
            {
                throw strategy.Error("must be \"BatchLongest\" or {\"Fixed\": n}");
            }
            padLeft = Direction(padding);
            multiple = padding.Int("pad_to_multiple_of", 0);
            padId = padding.Int("pad_id", 0);
        }
        return new TruncationAndPadding(maxLength, truncateLeft, fixedLength, padLeft, multiple, padId, !padding.IsNull);
    }

    /// <summary>Keeps <see cref="MaxLength"/> ids (less the <paramref name="reserved"/> special tokens).</summary>
    public List<int> Truncate(List<int> ids, int reserved)
    {
        if (MaxLength is not { } maxLength)
        {
            return ids;
        }
        var keep = Math.Max(0, maxLength - reserved);
        if (ids.Count <= keep)
        {
            return ids;
        }
        return TruncateLeft ? ids.GetRange(ids.Count - keep, keep) : ids.GetRange(0, keep);
    }

    /// <summary>Pads to the fixed length (a single text is its own longest), rounded up to pad_to_multiple_of.</summary>
    public List<int> Pad(List<int> ids)
    {
        if (!Pads)
        {
            return ids;
        }
        var target = FixedLength ?? ids.Count;
        if (PadToMultipleOf > 0 && target % PadToMultipleOf != 0)
        {
            target += PadToMultipleOf - target % PadToMultipleOf;
        }
        if (ids.Count >= target)
        {
            return ids;
        }
        var padding = Enumerable.Repeat(PadId, target - ids.Count);
        if (PadLeft)
        {
            ids.InsertRange(0, padding);
        }
        else
        {
            ids.AddRange(padding);
        }
        return ids;
    }

    private static bool Direction(JsonSection section) => section.OptionalString("direction") switch
    {
        null or "Right" => false,
        "Left" => true,
        var other => throw section.Child("direction").Error($"has unknown value '{other}'"),
    };
}
