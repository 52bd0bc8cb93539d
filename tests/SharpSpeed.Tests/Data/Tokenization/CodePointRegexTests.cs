using System.Globalization;
using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Tokenization;

public sealed class CodePointRegexTests
{
    private static readonly JsonSection Where = new(default, "test.json", "pattern");

    /// <summary>Each stand-in has the category it stands for (a surrogate pair never decodes to category Cs).</summary>
    [Fact]
    public void Stand_ins_have_their_categories()
    {
        for (var category = 0; category < CodePointRegex.StandIns.Length; category++)
        {
            if ((UnicodeCategory)category != UnicodeCategory.Surrogate)
            {
                Assert.Equal((UnicodeCategory)category, CharUnicodeInfo.GetUnicodeCategory(CodePointRegex.StandIns[category]));
            }
        }
    }

    [Theory]
    [InlineData(@"\p{So}+", "a😀😃b", new[] { 1, 5 })]
    [InlineData(@"\p{L}+", "x𝐀𝐁y z", new[] { 0, 6, 7, 8 })]
    [InlineData(@"\p{N}{1,3}", "𝟎𝟏𝟐𝟑", new[] { 0, 6, 6, 8 })]
    [InlineData(@"[一-龥]+", "中𠀀文", new[] { 0, 1, 3, 4 })]
    public void Matches_count_code_points_and_report_UTF16_offsets(string pattern, string text, int[] expected)
    {
        var regex = new CodePointRegex(pattern, Where);
        var matches = new List<(int Start, int End)>();
        regex.FindMatches(text, matches);
        Assert.Equal(expected, matches.SelectMany(m => new[] { m.Start, m.End }).ToArray());
    }

    [Fact]
    public void Pattern_dotnet_cannot_compile_is_named_in_the_error()
    {
        var error = Assert.Throws<InvalidDataException>(() => new CodePointRegex("a++(", Where));
        Assert.StartsWith("test.json: 'pattern' regex /a++(/ cannot be compiled by .NET", error.Message);
    }
}
