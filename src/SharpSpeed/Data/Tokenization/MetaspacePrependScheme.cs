namespace SharpSpeed.Data.Tokenization;

/// <summary>When Metaspace puts its "▁" in front: always, only before the first piece of the text, or never.</summary>
internal enum MetaspacePrependScheme
{
    Always,
    First,
    Never,
}

internal static class MetaspacePrependSchemes
{
    /// <summary>Reads "prepend_scheme", or the older boolean "add_prefix_space" (true meaning always).</summary>
    public static MetaspacePrependScheme FromJson(JsonSection section)
    {
        var scheme = section.OptionalString("prepend_scheme");
        return scheme switch
        {
            "always" => MetaspacePrependScheme.Always,
            "first" => MetaspacePrependScheme.First,
            "never" => MetaspacePrependScheme.Never,
            null => section.Bool("add_prefix_space", true) ? MetaspacePrependScheme.Always : MetaspacePrependScheme.Never,
            _ => throw section.Child("prepend_scheme").Error($"has unknown value '{scheme}'"),
        };
    }
}
