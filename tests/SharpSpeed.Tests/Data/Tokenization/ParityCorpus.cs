using System.Text;

namespace SharpSpeed.Tests.Data.Tokenization;

/// <summary>
/// Texts the managed tokenizer must encode exactly as HF does: English, Chinese and other scripts, code,
/// emoji (outside the BMP, with ZWJ and skin tones), whitespace runs, digits, special tokens written in the
/// text, and seeded random mixtures of all of these.
/// </summary>
internal static class ParityCorpus
{
    public static readonly string[] Handwritten =
    [
        "",
        " ",
        "Hello world, 你好世界! 12345",
        "The quick brown fox jumps over the lazy dog. It's 3:45pm; we'll see, they've gone, I'm here, you'd know.",
        "IT'S SHOUTING'LL WORK'VE",
        "人工智能是计算机科学的一个分支，它企图了解智能的实质。北京欢迎你！",
        "日本語のテキストとカタカナ、ひらがな。한국어 문장도 있습니다.",
        "Привет, мир! Ελληνικά. مرحبا بالعالم. שלום עולם. हिन्दी पाठ।",
        "café naïve résumé Zürich façade coöperate e\u0301 n\u0303",
        "NFC composes: A\u030A \u212B \u1112\u1161\u11AB 한 a\u0308\u0301 \u0958; compatibility stays: ﬁ ① x² ｱﾊﾟ ㎏",
        "def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n",
        "for (int i = 0; i < 10; i++) {\n\tConsole.WriteLine($\"{i,3}: {i * i}\");\n}\r\n",
        "const x = {a: [1, 2, 3], 'b': \"str\"}; // comment\n/* block */ x?.a ?? null;",
        "<html><body class=\"main\">&nbsp;&amp;</body></html>",
        "emoji 😀 😃😄 👍🏽 👨‍👩‍👧‍👦 🇫🇷 ❤️ ✨ 🎉🎉🎉 end",
        "a😀b 😀a 😀 😀😀 𝐀𝐁𝐂 𝟎𝟏𝟐 𠀀𠀁 𝄞",
        "   leading and trailing spaces   ",
        "tabs\t\tand\nnew\n\n\nlines\r\n\r\nand    many     spaces          here",
        "\n\n\n",
        "\t \t \n \u00A0nbsp\u3000ideographic space\u2003em",
        "1234567890 3.14159 1,000,000 2024-01-31 0x1F 1e-9 ١٢٣ ０１２",
        "12345678901234567890123456789",
        "Numbers: 1 22 333 4444 55555 666666",
        "<｜begin▁of▁sentence｜>User: hi<｜end▁of▁sentence｜>",
        "<s>[INST] question [/INST] answer</s>",
        "text <|endoftext|> more text<|endoftext|>",
        "<｜User｜>你好<｜Assistant｜>您好！<｜end▁of▁sentence｜>",
        "partial <｜end▁of not a token <s without close </ s>",
        "<s><s></s></s>",
        "email me at someone@example.com or visit https://example.org/path?q=1&r=2#frag",
        "Math: ∑_{i=1}^{n} i² = n(n+1)/2, ∀x∈ℝ, √2 ≈ 1.414, α β γ ∞",
        "Punctuation!!! ??? ... --- ___ ''' \"\"\" ``` ~~~ ### @@@",
        "mixed中文English混合text123数字",
        "控制字符\u0001\u0007\u001F和零宽\u200B\u200D字符\uFEFF",
        "Ω≈ç√∫˜µ≤≥÷ åß∂ƒ©˙∆˚¬…æ œ∑´®†¥¨ˆøπ“‘",
        "    indented code\n        more indented\n",
        "The year 1999 and 2000s; ID#42; v2.0.1-beta+build.7",
    ];

    /// <summary>Seeded random strings drawn from all the character classes above, for cases nobody thought of.</summary>
    public static IEnumerable<string> Random(int count, int seed)
    {
        string[] pool =
        [
            "a", "b", "e", "Z", "the", " the", "ing", "'s", "'LL", " ", "  ", "   ", "\t", "\n", "\r\n", "\u00A0",
            "0", "7", "42", "1234", "中", "文", "字", "人工智能", "の", "カ", "한", "é", "e\u0301", "ß", "Я",
            "😀", "👍🏽", "👨‍👩‍👧", "𝐀", "𠀀", "!", "?", ".", ",", "(", ")", "{", "}", "<", ">", "/", "_", "-", "=",
            "\"", "'", "`", "#", "$", "%", "&", "*", "+", "\\", "|", "~", "^", "@", "；", "，", "。", "！", "、",
            "<s>", "</s>", "<|endoftext|>", "<｜end▁of▁sentence｜>", "<｜User｜>", "▁", "\u200B", "\u3000",
        ];
        var random = new Random(seed);
        for (var i = 0; i < count; i++)
        {
            var builder = new StringBuilder();
            var parts = random.Next(1, 24);
            for (var p = 0; p < parts; p++)
            {
                builder.Append(pool[random.Next(pool.Length)]);
            }
            yield return builder.ToString();
        }
    }

    public static IEnumerable<string> All() => Handwritten.Concat(Random(400, seed: 20240611));
}
