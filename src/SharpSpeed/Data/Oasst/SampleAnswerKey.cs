using System.Text.Json;

namespace SharpSpeed.Data.Oasst;

/// <summary>One validation question of the bundled sample and the short answer a correct reply contains.</summary>
public sealed record SampleAnswer(string MessageTreeId, string Lang, string Question, string Answer);

/// <summary>
/// The answer key of the bundled oasst1 sample (<c>validation.answers.json</c>) and its scorer: a generation is
/// correct when it contains the short answer, compared case-insensitively (answers are numbers, city names, colours).
/// </summary>
public sealed class SampleAnswerKey
{
    private SampleAnswerKey(IReadOnlyList<SampleAnswer> answers) => Answers = answers;

    public IReadOnlyList<SampleAnswer> Answers { get; }

    public static SampleAnswerKey Load(string path)
    {
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException($"{path}: expected a JSON array of answers");
        }
        var answers = new List<SampleAnswer>();
        var index = 0;
        foreach (var item in document.RootElement.EnumerateArray())
        {
            string Field(string key) =>
                item.ValueKind == JsonValueKind.Object && item.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String
                    ? v.GetString()!
                    : throw new InvalidDataException($"{path}: answer [{index}]: missing string key '{key}'");
            answers.Add(new SampleAnswer(Field("message_tree_id"), Field("lang"), Field("question"), Field("answer")));
            index++;
        }
        return new SampleAnswerKey(answers);
    }

    public static bool IsCorrect(SampleAnswer answer, string generation)
    {
        ArgumentNullException.ThrowIfNull(answer);
        ArgumentNullException.ThrowIfNull(generation);
        return generation.Contains(answer.Answer, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Share of questions answered correctly; <paramref name="generate"/> maps a question to the model's reply.</summary>
    public double Score(Func<SampleAnswer, string> generate)
    {
        ArgumentNullException.ThrowIfNull(generate);
        return Answers.Count == 0 ? 0 : (double)Answers.Count(a => IsCorrect(a, generate(a))) / Answers.Count;
    }
}
