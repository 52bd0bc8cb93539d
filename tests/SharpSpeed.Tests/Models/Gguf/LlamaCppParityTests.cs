using LLama;
using LLama.Common;
using LLama.Sampling;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Models;
using Xunit.Abstractions;

namespace SharpSpeed.Tests.Models.Gguf;

/// <summary>
/// The exported GGUF files read by llama.cpp itself (LLamaSharp 0.30.0's CPU build): the same token ids as
/// SharpSpeed's tokenizer, and the same greedy continuation as SharpSpeed's generator.
/// </summary>
public sealed class LlamaCppParityTests(ITestOutputHelper output)
{
    private const int NewTokens = 16;

    private static readonly string[] Prompts =
    [
        "User: What is the capital of France?\n\nAssistant:",
        "Hello world, 你好世界! 12345 and 3.14159",
        "  leading spaces, tabs\tand\n\nnew lines?\n",
        "<｜begin▁of▁sentence｜>User: special tokens in text<｜end▁of▁sentence｜>",
    ];

    [Fact]
    public void LlamaCppTokenizesLikeSharpSpeed()
    {
        var tokenizer = HfTokenizer.FromPath(TrainedGgufModel.Folder);
        using var llama = LlamaCppModel.Load(TrainedGgufModel.Gguf("f32"));
        foreach (var prompt in Prompts)
        {
            Assert.Equal(tokenizer.Encode(prompt), llama.Tokenize(prompt));
        }
    }

    [Theory]
    [InlineData("f32", NewTokens)]
    [InlineData("bf16", 12)]
    [InlineData("f16", 12)]
    [InlineData("q8_0", 12)]
    public void GreedyContinuationMatchesSharpSpeed(string outType, int leastAgreeingPrefix)
    {
        var tokenizer = HfTokenizer.FromPath(TrainedGgufModel.Folder);
        using var model = ModelFolder.Load(TrainedGgufModel.Folder, TorchSharp.torch.ScalarType.Float32);
        model.eval();
        using var llama = LlamaCppModel.Load(TrainedGgufModel.Gguf(outType));
        foreach (var prompt in Prompts.Take(2))
        {
            var ids = tokenizer.Encode(prompt);
            var expected = TextGenerator.Generate(model, ids, new GenerationOptions { MaxNewTokens = NewTokens, Temperature = 0 });
            var actual = llama.Greedy(ids, NewTokens);
            var agreeing = expected.Zip(actual).TakeWhile(pair => pair.First == pair.Second).Count();
            output.WriteLine($"{outType}: first {agreeing} of {NewTokens} greedy tokens agree for '{prompt}'");
            Assert.True(agreeing >= leastAgreeingPrefix,
                $"{outType}, prompt '{prompt}': llama.cpp [{string.Join(", ", actual)}] vs SharpSpeed [{string.Join(", ", expected)}]: "
                + $"first {agreeing} agree, {leastAgreeingPrefix} needed");
        }
    }

    /// <summary>docs/gguf.md's LLamaSharp example, as written there: greedy text equal to SharpSpeed's greedy text.</summary>
    [Fact]
    public async Task TheDocumentedStatelessExecutorContinuesLikeGenerate()
    {
        const string prompt = "User: What is the capital of France?\n\nAssistant:";
        var tokenizer = HfTokenizer.FromPath(TrainedGgufModel.Folder);
        using var model = ModelFolder.Load(TrainedGgufModel.Folder, TorchSharp.torch.ScalarType.Float32);
        model.eval();
        var ids = TextGenerator.Generate(model, tokenizer.Encode(prompt), new GenerationOptions
        {
            MaxNewTokens = 8, Temperature = 0, EosTokenIds = model.Config.EosTokenIds,
        });

        var parameters = new ModelParams(TrainedGgufModel.Gguf("f32")) { ContextSize = 2048 };
        using var weights = LLamaWeights.LoadFromFile(parameters);
        var executor = new StatelessExecutor(weights, parameters);
        var inference = new InferenceParams { MaxTokens = 8, SamplingPipeline = new DefaultSamplingPipeline { Temperature = 0 } };
        var text = new System.Text.StringBuilder();
        await foreach (var piece in executor.InferAsync(prompt, inference))
        {
            text.Append(piece);
        }
        Assert.Equal(tokenizer.Decode(ids), text.ToString());
    }
}
