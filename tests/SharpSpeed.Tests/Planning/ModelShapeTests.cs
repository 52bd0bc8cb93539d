using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class ModelShapeTests
{
    // Published parameter counts: meta-llama/Llama-2-7b-hf 6,738,415,616; TinyLlama-1.1B (GQA, 4 kv heads)
    // 1,100,048,384 (both as reported by their model cards / safetensors metadata).
    [Fact]
    public void ParameterCountMatchesPublishedLlama2_7B()
    {
        var shape = ModelShape.FromDimensions(4096, 32, 32, 32, 11008, 32000, tiedEmbeddings: false);
        Assert.Equal(6_738_415_616L, shape.Parameters);
        Assert.Equal(32000L * 4096, shape.LargestLayerParameters);
    }

    [Fact]
    public void ParameterCountMatchesPublishedTinyLlamaWithGroupedQueryAttention()
    {
        var shape = ModelShape.FromDimensions(2048, 22, 32, 4, 5632, 32000, tiedEmbeddings: false);
        Assert.Equal(1_100_048_384L, shape.Parameters);
    }

    [Fact]
    public void DeepSeekLlm7BHasAbout6Point9BillionParameters()
    {
        var shape = NamedModelShapes.Get("deepseek-llm-7b");
        Assert.InRange(shape.Parameters, 6.90e9, 6.92e9);
        Assert.Equal(102400L * 4096, shape.LargestLayerParameters);
    }

    [Fact]
    public void TiedEmbeddingsDropTheLmHead()
    {
        var untied = ModelShape.FromDimensions(64, 2, 4, 2, 176, 100, tiedEmbeddings: false);
        var tied = ModelShape.FromDimensions(64, 2, 4, 2, 176, 100, tiedEmbeddings: true);
        Assert.Equal(100L * 64, untied.Parameters - tied.Parameters);
    }

    [Fact]
    public void UnknownNameListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => NamedModelShapes.Get("gpt-5"));
        Assert.Contains("deepseek-llm-7b", error.Message);
    }

    [Fact]
    public void ReadsAnHfConfigJson()
    {
        using var folder = new TempFolder();
        File.WriteAllText(Path.Combine(folder.Path, "config.json"), """
            {"architectures": ["LlamaForCausalLM"], "hidden_size": 2048, "intermediate_size": 5632,
             "num_attention_heads": 32, "num_hidden_layers": 22, "num_key_value_heads": 4,
             "vocab_size": 32000, "tie_word_embeddings": false, "torch_dtype": "bfloat16"}
            """);
        var shape = ModelShapeReader.FromPath(folder.Path);
        Assert.Equal(1_100_048_384L, shape.Parameters);
        Assert.Equal(4, shape.NumKvHeads);
    }

    [Fact]
    public void MissingKeyErrorNamesFileAndKey()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "config.json");
        File.WriteAllText(file, """{"hidden_size": 64, "num_attention_heads": 4, "num_hidden_layers": 2, "vocab_size": 100}""");
        var error = Assert.Throws<InvalidDataException>(() => ModelShapeReader.FromPath(file));
        Assert.Contains(file, error.Message);
        Assert.Contains("'intermediate_size'", error.Message);
    }

    [Fact]
    public void WrongTypeErrorNamesTheKey()
    {
        using var folder = new TempFolder();
        var file = Path.Combine(folder.Path, "config.json");
        File.WriteAllText(file, """{"hidden_size": "big", "num_attention_heads": 4}""");
        var error = Assert.Throws<InvalidDataException>(() => ModelShapeReader.FromPath(file));
        Assert.Contains("'hidden_size'", error.Message);
    }

    [Fact]
    public void MissingFileIsAClearError()
    {
        var error = Assert.Throws<FileNotFoundException>(() => ModelShapeReader.FromPath("/nonexistent/model"));
        Assert.Contains("/nonexistent/model", error.Message);
    }

    private sealed class TempFolder : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("sharpspeed-planning-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
