using SharpSpeed.Models;

namespace SharpSpeed.Tests.Models;

public sealed class ModelConfigTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-config-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Write(string name, string json)
    {
        var path = Path.Combine(_dir, name);
        File.WriteAllText(path, json);
        return path;
    }

    // DeepSeek-LLM-7B-base's published config.json (its bos/eos 1/2 are wrong) and generation_config.json.
    private const string DeepSeekConfig = """
        {"architectures": ["LlamaForCausalLM"], "bos_token_id": 100000, "eos_token_id": 100001,
         "hidden_act": "silu", "hidden_size": 4096, "initializer_range": 0.02, "intermediate_size": 11008,
         "max_position_embeddings": 4096, "model_type": "llama", "num_attention_heads": 32,
         "num_hidden_layers": 30, "num_key_value_heads": 32, "pretraining_tp": 1, "rms_norm_eps": 1e-06,
         "rope_scaling": null, "rope_theta": 10000.0, "tie_word_embeddings": false, "torch_dtype": "bfloat16",
         "transformers_version": "4.33.1", "use_cache": true, "vocab_size": 102400}
        """;

    [Fact]
    public void DeepSeekFolderParsesToTheNamedConfig()
    {
        Write("config.json", DeepSeekConfig.Replace("100000", "1").Replace("100001", "2"));
        Write("generation_config.json", """{"bos_token_id": 100000, "eos_token_id": 100001, "do_sample": true}""");
        var config = ModelConfig.LoadFromDirectory(_dir);
        Assert.Equal(NamedModelConfigs.DeepSeekLlm7B with { EosTokenIds = config.EosTokenIds }, config);
        Assert.Equal([100001], config.EosTokenIds);
        Assert.Equal(100000, config.BosTokenId);
    }

    [Fact]
    public void DeepSeek7BHasItsPublishedParameterCount()
    {
        // 6.91e9 parameters: 2 * 102400 * 4096 embeddings + 30 * (4 * 4096^2 + 3 * 4096 * 11008 + 2 * 4096) + 4096.
        Assert.Equal(6_910_365_696L, NamedModelConfigs.DeepSeekLlm7B.ParameterCount());
    }

    [Fact]
    public void TinyHasAFewMillionParameters()
    {
        var count = NamedModelConfigs.Tiny.ParameterCount();
        Assert.InRange(count, 1_000_000, 10_000_000);
    }

    [Fact]
    public void GqaQwenAndLlama3ScalingAreRead()
    {
        var path = Write("qwen.json", """
            {"model_type": "qwen2", "vocab_size": 100, "hidden_size": 64, "intermediate_size": 96,
             "num_hidden_layers": 2, "num_attention_heads": 8, "num_key_value_heads": 2, "sliding_window": 4096,
             "use_sliding_window": false, "tie_word_embeddings": true, "eos_token_id": [5, 6],
             "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                              "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}}
            """);
        var config = ModelConfig.LoadFile(path);
        Assert.True(config.QkvBias);
        Assert.False(config.AttentionBias);
        Assert.Null(config.SlidingWindow);
        Assert.Equal(4, config.KeyValueGroups);
        Assert.Equal(8, config.HeadDim);
        Assert.True(config.TieWordEmbeddings);
        Assert.Equal([5, 6], config.EosTokenIds);
        Assert.Equal(new RopeScaling("llama3", 8.0, 1.0, 4.0, 8192), config.RopeScaling);
    }

    [Fact]
    public void WrittenConfigReadsBackEqual()
    {
        var original = NamedModelConfigs.Tiny with { RopeScaling = new RopeScaling("linear", 2.0), NumKeyValueHeads = 2 };
        Write("config.json", original.ToConfigJson());
        Write("generation_config.json", original.ToGenerationConfigJson());
        Assert.Equal(original with { EosTokenIds = [] }, ModelConfig.LoadFromDirectory(_dir) with { EosTokenIds = [] });
        Assert.Equal(original.EosTokenIds, ModelConfig.LoadFromDirectory(_dir).EosTokenIds);
    }

    [Theory]
    [InlineData("""{"model_type": "gpt2"}""", "model_type 'gpt2'")]
    [InlineData("""{"model_type": "llama", "hidden_size": 64}""", "'vocab_size' is missing")]
    [InlineData("""{"model_type": "llama", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 4, "rope_scaling": {"type": "yarn", "factor": 4}}""", "rope_type 'yarn'")]
    [InlineData("""{"model_type": "llama", "vocab_size": 10, "hidden_size": 64, "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 4, "num_key_value_heads": 3}""", "not a multiple")]
    [InlineData("""{"model_type": "llama", "vocab_size": "ten"}""", "'vocab_size' must be an integer")]
    [InlineData("""{"model_type": "llama", "hidden_act": "gelu"}""", "hidden_act 'gelu'")]
    [InlineData("""{"model_type": "llama",""", "not valid JSON")]
    public void BadConfigsGiveOneLineErrorsNamingTheFileAndKey(string json, string expected)
    {
        var path = Write("bad.json", json);
        var error = Assert.Throws<InvalidDataException>(() => ModelConfig.LoadFile(path));
        Assert.Contains(expected, error.Message);
        Assert.Contains(path, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Fact]
    public void ResolveKnowsNamesAndRejectsUnknownOnes()
    {
        Assert.Same(NamedModelConfigs.Tiny, NamedModelConfigs.Resolve("tiny"));
        var error = Assert.Throws<ArgumentException>(() => NamedModelConfigs.Resolve("no-such-model"));
        Assert.Contains("no-such-model", error.Message);
    }
}
