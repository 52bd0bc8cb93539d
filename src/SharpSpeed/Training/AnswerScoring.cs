using SharpSpeed.Data.Conversations;
using SharpSpeed.Data.Oasst;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Templates;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Models;

namespace SharpSpeed.Training;

/// <summary>
/// After training on a data set that ships an answer key (the bundled sample's validation.answers.json): asks the
/// model every validation question in the chat template it was trained with, generates greedily, and counts the
/// replies that contain the expected short answer.
/// </summary>
internal static class AnswerScoring
{
    public const string AnswerKeyFileName = "validation.answers.json";

    public static AnswerScore? Run(LlamaForCausalLM model, TrainingArguments args, string tokenizerPath, int maxNewTokens = 32)
    {
        var dataPath = DatasetLocator.Resolve(args.Dataset ?? DatasetLocator.BundledSampleName);
        var keyFile = Path.Combine(Directory.Exists(dataPath) ? dataPath : Path.GetDirectoryName(dataPath)!, AnswerKeyFileName);
        if (!File.Exists(keyFile))
        {
            return null;
        }
        var key = SampleAnswerKey.Load(keyFile);
        var tokenizer = HfTokenizer.FromPath(tokenizerPath);
        var template = ChatTemplates.Resolve(args.ChatTemplate, tokenizer.Config, tokenizer.TokenizerJsonPath);
        var encoder = new SampleEncoder(tokenizer, template, args.MaxSeqLength, args.TrainOnPrompt);
        var eos = model.Config.EosTokenIds.Count > 0 ? model.Config.EosTokenIds : tokenizer.EosId is { } id ? [id] : [];
        var options = new GenerationOptions { MaxNewTokens = maxNewTokens, Temperature = 0, EosTokenIds = eos };
        var examples = new List<(SampleAnswer Answer, string Reply, bool Correct)>();
        model.eval();
        try
        {
            foreach (var answer in key.Answers)
            {
                var prompt = encoder.EncodeGenerationPrompt([new ChatMessage(ChatRole.User, answer.Question)], keyFile);
                var reply = tokenizer.Decode(TextGenerator.Generate(model, prompt, options)).Trim();
                examples.Add((answer, reply, SampleAnswerKey.IsCorrect(answer, reply)));
            }
        }
        finally
        {
            model.train();
        }
        return new AnswerScore(examples.Count(e => e.Correct), examples.Count, examples);
    }
}

internal sealed record AnswerScore(int Correct, int Total, IReadOnlyList<(SampleAnswer Answer, string Reply, bool Correct)> Examples)
{
    public double Share => Total == 0 ? 0 : (double)Correct / Total;
}
