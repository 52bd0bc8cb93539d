using System.Text;

namespace SharpSpeed.Data.Tokenization;

/// <summary>A tokenizer.json "pre_tokenizer": cuts a normalized stretch into the pieces BPE sees one at a time.</summary>
internal interface IPreTokenizer
{
    void Split(Piece piece, List<Piece> output);
}

/// <summary>The pre-tokenizer types of the supported families, built from tokenizer.json.</summary>
internal static class PreTokenizers
{
    /// <summary>GPT-2's pattern, which ByteLevel uses when "use_regex" is true.</summary>
    public const string Gpt2Pattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public static IPreTokenizer? FromJson(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }
        return section.Type switch
        {
            "Sequence" => new SequencePreTokenizer(
                section.Items("pretokenizers").Select(FromJson).OfType<IPreTokenizer>().ToArray()),
            "ByteLevel" => new ByteLevelPreTokenizer(
                section.Bool("add_prefix_space", true), section.Bool("use_regex", true), section),
            "Split" => new SplitPreTokenizer(StringOrRegex.FromJson(section.Child("pattern")),
                SplitBehaviors.Parse(section, "behavior"), section.Bool("invert", false)),
            "Metaspace" => MetaspacePreTokenizer.FromJson(section),
            "Digits" => new CharClassPreTokenizer(Rune.IsNumber,
                section.Bool("individual_digits", false) ? SplitBehavior.Isolated : SplitBehavior.Contiguous, false),
            "WhitespaceSplit" => new CharClassPreTokenizer(Rune.IsWhiteSpace, SplitBehavior.Removed, false),
            "Whitespace" => new SplitPreTokenizer(
                StringOrRegex.FromJson(RegexSection(section, @"\w+|[^\w\s]+")), SplitBehavior.Removed, invert: true),
            _ => throw section.Unsupported("pre-tokenizer"),
        };
    }

    /// <summary>A {"Regex": pattern} section for the pre-tokenizers whose pattern is fixed by HF, not the file.</summary>
    internal static JsonSection RegexSection(JsonSection where, string pattern)
    {
        var document = System.Text.Json.JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["Regex"] = pattern });
        return new JsonSection(document, where.File, where.Where);
    }
}

internal sealed class SequencePreTokenizer(IPreTokenizer[] steps) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        var current = ScratchLists.RentPieces();
        var next = ScratchLists.RentPieces();
        current.Add(piece);
        foreach (var step in steps)
        {
            next.Clear();
            foreach (var part in current)
            {
                step.Split(part, next);
            }
            (current, next) = (next, current);
        }
        output.AddRange(current);
        ScratchLists.Return(current);
        ScratchLists.Return(next);
    }
}

internal sealed class SplitPreTokenizer(StringOrRegex pattern, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        var matches = ScratchLists.Matches();
        pattern.FindMatches(piece.Text, matches);
        SplitBehaviors.Apply(piece, matches, behavior, invert, output);
    }
}

/// <summary>
/// GPT-2's byte-level step: optionally a leading space, optionally GPT-2's split pattern, then every UTF-8
/// byte replaced by its <see cref="ByteLevelAlphabet"/> character.
/// </summary>
internal sealed class ByteLevelPreTokenizer : IPreTokenizer
{
    private readonly bool _addPrefixSpace;
    private readonly StringOrRegex? _gpt2Split;

    public ByteLevelPreTokenizer(bool addPrefixSpace, bool useRegex, JsonSection where)
    {
        _addPrefixSpace = addPrefixSpace;
        _gpt2Split = useRegex ? StringOrRegex.FromJson(PreTokenizers.RegexSection(where, PreTokenizers.Gpt2Pattern)) : null;
    }

    public void Split(Piece piece, List<Piece> output)
    {
        if (_addPrefixSpace && !piece.Text.StartsWith(' '))
        {
            piece = piece with { Text = " " + piece.Text };
        }
        if (_gpt2Split is null)
        {
            output.Add(piece with { Text = ByteLevelAlphabet.Encode(piece.Text) });
            return;
        }
        var matches = ScratchLists.Matches();
        _gpt2Split.FindMatches(piece.Text, matches);
        var first = output.Count;
        SplitBehaviors.Apply(piece, matches, SplitBehavior.Isolated, invert: false, output);
        for (var i = first; i < output.Count; i++)
        {
            output[i] = output[i] with { Text = ByteLevelAlphabet.Encode(output[i].Text) };
        }
    }
}

/// <summary>Splits on characters of one class (digits, whitespace), judged per Unicode code point.</summary>
internal sealed class CharClassPreTokenizer(Func<Rune, bool> isDelimiter, SplitBehavior behavior, bool invert) : IPreTokenizer
{
    public void Split(Piece piece, List<Piece> output)
    {
        var matches = ScratchLists.Matches();
        var offset = 0;
        foreach (var rune in piece.Text.EnumerateRunes())
        {
            if (isDelimiter(rune))
            {
                matches.Add((offset, offset + rune.Utf16SequenceLength));
            }
            offset += rune.Utf16SequenceLength;
        }
        SplitBehaviors.Apply(piece, matches, behavior, invert, output);
    }
}

/// <summary>SentencePiece's convention: spaces become "▁", a "▁" may be prepended, and words split before each "▁".</summary>
internal sealed class MetaspacePreTokenizer(char replacement, MetaspacePrependScheme scheme, bool split) : IPreTokenizer
{
    public static MetaspacePreTokenizer FromJson(JsonSection section)
    {
        var replacement = section.RequiredString("replacement");
        if (replacement.Length != 1)
        {
            throw section.Child("replacement").Error("must be a single character");
        }
        return new MetaspacePreTokenizer(replacement[0], MetaspacePrependSchemes.FromJson(section), section.Bool("split", true));
    }

    public void Split(Piece piece, List<Piece> output)
    {
        var text = piece.Text.Replace(' ', replacement);
        var prepend = scheme switch
        {
            MetaspacePrependScheme.Always => !text.StartsWith(replacement),
            MetaspacePrependScheme.First => piece.AtStart && !text.StartsWith(replacement),
            _ => false,
        };
        if (prepend)
        {
            text = replacement + text;
        }
        piece = piece with { Text = text };
        if (!split)
        {
            output.Add(piece);
            return;
        }
        var matches = ScratchLists.Matches();
        for (var at = text.IndexOf(replacement); at >= 0; at = text.IndexOf(replacement, at + 1))
        {
            matches.Add((at, at + 1));
        }
        SplitBehaviors.Apply(piece, matches, SplitBehavior.MergedWithNext, invert: false, output);
    }
}
