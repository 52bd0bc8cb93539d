using System.Text;

namespace SharpSpeed.Data.Tokenization;

/// <summary>A tokenizer.json "decoder": turns the token strings of a sequence back into text pieces.</summary>
internal interface IDecoder
{
    List<string> DecodeChain(List<string> tokens);
}

internal static class Decoders
{
    public static IDecoder? FromJson(JsonSection section)
    {
        if (section.IsNull)
        {
            return null;
        }
        return section.Type switch
        {
            "Sequence" => new SequenceDecoder(section.Items("decoders").Select(FromJson).OfType<IDecoder>().ToArray()),
            "ByteLevel" => new ByteLevelDecoder(),
            "Metaspace" => MetaspaceDecoder.FromJson(section),
            "Replace" => new ReplaceDecoder(StringOrRegex.FromJson(section.Child("pattern")), section.RequiredString("content")),
            "ByteFallback" => new ByteFallbackDecoder(),
            "Fuse" => new FuseDecoder(),
            "Strip" => StripDecoder.FromJson(section),
            _ => throw section.Unsupported("decoder"),
        };
    }
}

internal sealed class SequenceDecoder(IDecoder[] steps) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        foreach (var step in steps)
        {
            tokens = step.DecodeChain(tokens);
        }
        return tokens;
    }
}

/// <summary>
/// Byte-level tokens back to bytes (a token with a character outside the table, such as an added token,
/// contributes its own UTF-8 bytes), then one lossy UTF-8 decode: invalid sequences become U+FFFD.
/// </summary>
internal sealed class ByteLevelDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var bytes = new List<byte>();
        foreach (var token in tokens)
        {
            var allMapped = true;
            foreach (var symbol in token)
            {
                if (ByteLevelAlphabet.CharToByte(symbol) < 0)
                {
                    allMapped = false;
                    break;
                }
            }
            if (allMapped)
            {
                foreach (var symbol in token)
                {
                    bytes.Add((byte)ByteLevelAlphabet.CharToByte(symbol));
                }
            }
            else
            {
                bytes.AddRange(Encoding.UTF8.GetBytes(token));
            }
        }
        return [Encoding.UTF8.GetString(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(bytes))];
    }
}

/// <summary>"▁" back to spaces; in the first token the prepended "▁" disappears (HF drops every "▁" there).</summary>
internal sealed class MetaspaceDecoder(char replacement, MetaspacePrependScheme scheme) : IDecoder
{
    public static MetaspaceDecoder FromJson(JsonSection section)
    {
        var replacement = section.RequiredString("replacement");
        if (replacement.Length != 1)
        {
            throw section.Child("replacement").Error("must be a single character");
        }
        return new MetaspaceDecoder(replacement[0], MetaspacePrependSchemes.FromJson(section));
    }

    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        for (var i = 0; i < tokens.Count; i++)
        {
            result.Add(i == 0 && scheme != MetaspacePrependScheme.Never
                ? tokens[i].Replace(replacement.ToString(), string.Empty, StringComparison.Ordinal)
                : tokens[i].Replace(replacement, ' '));
        }
        return result;
    }
}

internal sealed class ReplaceDecoder(StringOrRegex pattern, string content) : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(t => pattern.Replace(t, content));
}

/// <summary>
/// Runs of &lt;0xXX&gt; tokens become the text their bytes spell; a run that is not valid UTF-8 becomes one
/// U+FFFD per byte, as HF does.
/// </summary>
internal sealed class ByteFallbackDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens)
    {
        var result = new List<string>(tokens.Count);
        var pending = new List<byte>();
        foreach (var token in tokens)
        {
            if (token.Length == 6 && token.StartsWith("<0x", StringComparison.Ordinal) && token[5] == '>'
                && byte.TryParse(token.AsSpan(3, 2), System.Globalization.NumberStyles.AllowHexSpecifier,
                    System.Globalization.CultureInfo.InvariantCulture, out var value))
            {
                pending.Add(value);
                continue;
            }
            Flush(pending, result);
            result.Add(token);
        }
        Flush(pending, result);
        return result;
    }

    private static void Flush(List<byte> pending, List<string> result)
    {
        if (pending.Count == 0)
        {
            return;
        }
        var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
        try
        {
            result.Add(strict.GetString(pending.ToArray()));
        }
        catch (DecoderFallbackException)
        {
            result.AddRange(Enumerable.Repeat("\uFFFD", pending.Count));
        }
        pending.Clear();
    }
}

internal sealed class FuseDecoder : IDecoder
{
    public List<string> DecodeChain(List<string> tokens) => [string.Concat(tokens)];
}

/// <summary>Removes up to <c>start</c> leading and <c>stop</c> trailing copies of one character from each token.</summary>
internal sealed class StripDecoder(char content, int start, int stop) : IDecoder
{
    public static StripDecoder FromJson(JsonSection section)
    {
        var content = section.RequiredString("content");
        if (content.Length != 1)
        {
            throw section.Child("content").Error("must be a single character");
        }
        return new StripDecoder(content[0], section.Int("start", 0), section.Int("stop", 0));
    }

    public List<string> DecodeChain(List<string> tokens) => tokens.ConvertAll(token =>
    {
        var from = 0;
        while (from < start && from < token.Length && token[from] == content)
        {
            from++;
        }
        var to = token.Length;
        for (var i = 0; i < stop && to > from && token[to - 1] == content; i++)
        {
            to--;
        }
        return token[from..to];
    });
}
