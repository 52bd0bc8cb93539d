using SharpSpeed.Data.Tokenization;

namespace SharpSpeed.Tests.Data.Tokenization;

public sealed class HfTokenizerTests
{
    [Fact]
    public void Gpt2_matches_the_published_check_vector()
    {
        var tokenizer = HfTokenizer.FromPath(TokenizerFamilies.Gpt2);
        Assert.Equal(
            new[] { 15496, 995, 11, 220, 19526, 254, 25001, 121, 10310, 244, 45911, 234, 0, 17031, 2231 },
            tokenizer.Encode("Hello world, 你好世界! 12345"));
        Assert.Equal(50257, tokenizer.VocabSize);
        Assert.Equal(50256, tokenizer.EosId);
    }

    [Fact]
    public void Llama2_adds_bos_only_when_asked_and_reads_its_config()
    {
        var tokenizer = HfTokenizer.FromPath(TokenizerFamilies.Llama2);
        var withBos = tokenizer.Encode("Hello world");
        var withoutBos = tokenizer.Encode("Hello world", addSpecialTokens: false);
        Assert.Equal(1, withBos[0]);
        Assert.Equal(withBos[1..], withoutBos);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
        Assert.True(tokenizer.AddBosToken);
        Assert.Equal("Hello world", tokenizer.Decode(withBos));
        Assert.Equal("<s> Hello world", tokenizer.Decode(withBos, skipSpecialTokens: false));
    }
}
