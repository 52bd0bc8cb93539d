using System.Text;

namespace SharpSpeed.Data.Tokenization;

/// <summary>A tokenizer.json "normalizer": rewrites each stretch of text between added tokens before splitting.</summary>
internal interface INormalizer
{
    string Normalize(string text);
}

/// <summary>The normalizer types tokenizer.json files of the supported families use.</summary>
internal static class Normalizers
{
    public static INormalizer? FromJson(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }
        return section.Type switch
        {
            "Sequence" => new SequenceNormalizer(section.Items("normalizers").Select(FromJson).OfType<INormalizer>().ToArray()),
            "Prepend" => new PrependNormalizer(section.RequiredString("prepend")),
            "Replace" => new ReplaceNormalizer(StringOrRegex.FromJson(section.Child("pattern")), section.RequiredString("content")),
            "Lowercase" => new LowercaseNormalizer(),
            "Strip" => new StripNormalizer(section.Bool("strip_left", true), section.Bool("strip_right", true)),
            "NFC" => new UnicodeFormNormalizer(NormalizationForm.FormC, section),
            "NFD" => new UnicodeFormNormalizer(NormalizationForm.FormD, section),
            "NFKC" => new UnicodeFormNormalizer(NormalizationForm.FormKC, section),
            "NFKD" => new UnicodeFormNormalizer(NormalizationForm.FormKD, section),
            _ => throw section.Unsupported("normalizer"),
        };
    }
}

internal sealed class SequenceNormalizer(INormalizer[] steps) : INormalizer
{
    public string Normalize(string text)
    {
        foreach (var step in steps)
        {
            text = step.Normalize(text);
        }
        return text;
    }
}

/// <summary>Puts a fixed prefix (Llama's "▁") in front of every non-empty stretch.</summary>
internal sealed class PrependNormalizer(string prefix) : INormalizer
{
    public string Normalize(string text) => text.Length == 0 ? text : prefix + text;
}

internal sealed class ReplaceNormalizer(StringOrRegex pattern, string content) : INormalizer
{
    public string Normalize(string text) => pattern.Replace(text, content);
}

/// <summary>
/// HF lower-cases char by char with Rust's culture-free <c>char::to_lowercase</c> (Unicode's full mapping). .NET's
/// invariant mapping agrees except for 'İ' (U+0130), which Unicode lower-cases to "i" + combining dot above.
/// </summary>
internal sealed class LowercaseNormalizer : INormalizer
{
    public string Normalize(string text) => text.Replace("\u0130", "i\u0307", StringComparison.Ordinal).ToLowerInvariant();
}

internal sealed class StripNormalizer(bool left, bool right) : INormalizer
{
    public string Normalize(string text)
    {
        var span = text.AsSpan();
        if (left)
        {
            span = span.TrimStart();
        }
        if (right)
        {
            span = span.TrimEnd();
        }
        return span.Length == text.Length ? text : span.ToString();
    }
}

/// <summary>
/// NFC/NFD/NFKC/NFKD (Qwen2/2.5/3 use NFC). .NET normalizes through ICU; SharpSpeed is built with ICU on, but a
/// machine without libicu runs in invariant mode (the launcher falls back to it), where .NET cannot normalize.
/// Then loading refuses rather than return unnormalized ids.
/// </summary>
internal sealed class UnicodeFormNormalizer : INormalizer
{
    private readonly NormalizationForm _form;

    public UnicodeFormNormalizer(NormalizationForm form, JsonSection section)
    {
        if (!IcuNormalizes())
        {
            throw new NotSupportedException(
                $"{section.File}: '{section.Where}': Unicode normalizer {section.Type} needs ICU, which this process " +
                "runs without; install it (Debian 12: apt-get install libicu72) and unset DOTNET_SYSTEM_GLOBALIZATION_INVARIANT");
        }
        _form = form;
    }

    public string Normalize(string text) => text.Normalize(_form);

    /// <summary>Invariant mode leaves non-ASCII text as it is (or throws, depending on the runtime version).</summary>
    private static bool IcuNormalizes()
    {
        try
        {
            return "e\u0301".Normalize(NormalizationForm.FormC).Length == 1;
        }
        catch (PlatformNotSupportedException)
        {
            return false;
        }
    }
}
