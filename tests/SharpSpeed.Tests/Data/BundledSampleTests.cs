using System.Globalization;
using System.Text.RegularExpressions;
using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Oasst;
using SharpSpeed.Data.Readers;

namespace SharpSpeed.Tests.Data;

/// <summary>
/// The bundled oasst1 sample read by the real readers and rules. Arithmetic answers are checked by computing the
/// sums and products, independently of the generator: after Open-Assistant's rules with top_k 2 every answer is
/// right, while the unfiltered tree (and top_k off) still holds wrong ones, so the filters demonstrably matter.
/// </summary>
public sealed partial class BundledSampleTests
{
    private static readonly string Folder = DatasetLocator.Resolve(DatasetLocator.BundledSampleName);

    [GeneratedRegex(@"^What is (\d+) (\+|times) (\d+)\?$")]
    private static partial Regex EnglishArithmetic();

    private static (int Right, int Wrong) CheckArithmetic(IEnumerable<DataSample> samples)
    {
        int right = 0, wrong = 0;
        foreach (var sample in samples)
        {
            for (var i = 0; i + 1 < sample.Messages.Count; i += 2)
            {
                var match = EnglishArithmetic().Match(sample.Messages[i].Content);
                if (!match.Success)
                {
                    continue;
                }
                var a = int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
                var b = int.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture);
                var result = match.Groups[2].Value == "+" ? a + b : a * b;
                var numbers = Regex.Matches(sample.Messages[i + 1].Content, @"\d+").Select(m => m.Value).ToList();
                if (numbers[^1] == result.ToString(CultureInfo.InvariantCulture))
                {
                    right++;
                }
                else
                {
                    wrong++;
                }
            }
        }
        return (right, wrong);
    }

    [Fact]
    public void FiltersRemoveEveryWrongAnswer()
    {
        var filtered = DatasetLoader.Load(Folder, new DatasetOptions { Oasst = new OasstThreadOptions(TopK: 2) });
        var unfiltered = DatasetLoader.Load(Folder, new DatasetOptions());
        Assert.Equal(660, filtered.TreesRead);
        Assert.InRange(filtered.TreesSelected, 540, 620);
        var (right, wrong) = CheckArithmetic(filtered.Train);
        Assert.True(right > 100, $"{right} arithmetic answers");
        Assert.Equal(0, wrong);
        Assert.True(CheckArithmetic(unfiltered.Train).Wrong > 0);
        Assert.True(unfiltered.Train.Count > filtered.Train.Count);
        Assert.All(filtered.Train.Concat(filtered.Validation), s => Assert.Equal(ChatRole.Assistant, s.Messages[^1].Role));
    }

    [Fact]
    public void LanguagesCanBeSelected()
    {
        var zh = DatasetLoader.Load(Folder, new DatasetOptions { Oasst = new OasstThreadOptions(OasstThreadOptions.ParseLanguages("zh")) });
        var en = DatasetLoader.Load(Folder, new DatasetOptions { Oasst = new OasstThreadOptions(OasstThreadOptions.ParseLanguages("en")) });
        var all = DatasetLoader.Load(Folder, new DatasetOptions());
        Assert.Equal(all.Train.Count, zh.Train.Count + en.Train.Count);
        Assert.True(zh.Train.Count > 100 && en.Train.Count > 100);
    }

    [Fact]
    public void AnswerKeyMatchesTheValidationTreesAndScoresTheirReferenceReplies()
    {
        var key = SampleAnswerKey.Load(Path.Combine(Folder, "validation.answers.json"));
        var validation = DatasetLoader.Load(Folder, new DatasetOptions()).Validation;
        Assert.Equal(60, key.Answers.Count);
        Assert.Equal(key.Answers.Count, validation.Count);
        var replies = validation.ToDictionary(s => s.Source.Split(' ')[^1], s => s.Messages);
        Assert.All(key.Answers, a => Assert.Equal(a.Question, replies[a.MessageTreeId][0].Content));
        Assert.Equal(1.0, key.Score(a => replies[a.MessageTreeId][1].Content));
        Assert.Equal(0.0, key.Score(_ => "no idea"));
        Assert.Contains(key.Answers, a => a.Lang == "zh");
    }
}
