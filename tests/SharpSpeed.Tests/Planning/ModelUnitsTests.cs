using SharpSpeed.Models;
using SharpSpeed.Planning;

namespace SharpSpeed.Tests.Planning;

public sealed class ModelUnitsTests
{
    // Published counts: meta-llama/Llama-2-7b-hf 6,738,415,616 parameters; PEFT's print_trainable_parameters for it
    // with r=16 on all seven linears: "trainable params: 39,976,960 || all params: 6,778,392,576", and with r=8 on
    // q_proj,v_proj: "trainable params: 4,194,304 || all params: 6,742,609,920".
    private static readonly ModelConfig Llama2 = TestConfigs.Llama(4096, 32, 32, 32, 11008, 32000);

    [Fact]
    public void UnitsSumToTheConfigsParameterCount()
    {
        Assert.Equal(6_738_415_616L, ModelUnits.Of(Llama2).Sum(u => u.Elements));
        Assert.Equal(Llama2.ParameterCount(), ModelUnits.Of(Llama2).Sum(u => u.Elements));
        var deepSeek = ModelUnits.Of(NamedModelConfigs.DeepSeekLlm7B);
        Assert.Equal(NamedModelConfigs.DeepSeekLlm7B.ParameterCount(), deepSeek.Sum(u => u.Elements));
        Assert.Equal(1 + 30 + 2, deepSeek.Count);
    }

    [Fact]
    public void LoraAdapterCountsMatchPeft()
    {
        Assert.Equal(39_976_960L, ModelUnits.Trainable(Llama2, new LoraSettings(16, [LoraSettings.AllLinear])).Sum(u => u.Elements));
        Assert.Equal(4_194_304L, ModelUnits.Trainable(Llama2, LoraSettings.Parse(8, "q_proj, v_proj")).Sum(u => u.Elements));
        var units = ModelUnits.Trainable(Llama2, LoraSettings.Parse(8, "q_proj"));
        Assert.Equal(32, units.Count);
        Assert.Equal(["model.layers.0.self_attn.q_proj.lora_A.weight", "model.layers.0.self_attn.q_proj.lora_B.weight"],
            units[0].Parameters.Select(p => p.Name));
    }

    [Fact]
    public void UnknownTargetModuleIsNamed()
    {
        var error = Assert.Throws<ArgumentException>(() => LoraSettings.Parse(8, "q_proj,qkv"));
        Assert.Contains("'qkv'", error.Message);
    }

    // The model itself is the independent truth for names, grouping and sizes: biases (attention_bias), grouped-query
    // attention, an explicit head_dim different from hidden / heads, and a tied head.
    [Theory]
    [InlineData(false, false)]
    [InlineData(true, true)]
    public void UnitsMatchTheModelsOwnParameterUnits(bool bias, bool tied)
    {
        var config = NamedModelConfigs.Tiny with
        {
            HiddenSize = 32, IntermediateSize = 48, NumHiddenLayers = 2, NumAttentionHeads = 4, NumKeyValueHeads = 2,
            HeadDim = 12, VocabSize = 50, AttentionBias = bias, TieWordEmbeddings = tied,
        };
        using var model = LlamaForCausalLM.CreateRandom(config, seed: 1);
        var expected = model.ParameterUnits();
        var planned = ModelUnits.Of(config);
        Assert.Equal(expected.Select(u => (u.Index, u.Name)), planned.Select(u => (u.Index, u.Name)));
        for (int i = 0; i < expected.Count; i++)
        {
            Assert.Equal(
                expected[i].Parameters.Select(p => (p.Name, Shape: string.Join('x', p.Parameter.shape))).OrderBy(p => p.Name, StringComparer.Ordinal),
                planned[i].Parameters.Select(p => (p.Name, Shape: string.Join('x', p.Shape))).OrderBy(p => p.Name, StringComparer.Ordinal));
        }
        Assert.Equal(config.ParameterCount(), planned.Sum(u => u.Elements));
    }
}
