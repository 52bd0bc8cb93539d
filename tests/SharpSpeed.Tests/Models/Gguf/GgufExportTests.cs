using System.Text.Json;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;
using SharpSpeed.IO.Gguf;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Models.Gguf;

/// <summary>
/// What `convert --outtype` writes, read back with the validating reader and compared with the HF folder it came
/// from: llama.cpp's keys and names, the Q/K row permutation, per-tensor types and Q8_0's error bound.
/// </summary>
public sealed class GgufExportTests
{
    private static readonly Dictionary<string, Tensor> Weights = StateDictFiles.Load(TrainedGgufModel.Folder, ScalarType.Float32);

    [Fact]
    public void ArchitectureAndTokenizerKeysDescribeTheModel()
    {
        var file = GgufReader.Read(TrainedGgufModel.Gguf("f32"));
        var config = TrainedGgufModel.Config;
        Assert.Equal("general.architecture", file.MetadataOrder[0]);
        Assert.Equal("llama", file["general.architecture"].AsString());
        Assert.Equal(0, file["general.file_type"].AsInteger());
        Assert.Equal(config.MaxPositionEmbeddings, file["llama.context_length"].AsInteger());
        Assert.Equal(config.HiddenSize, file["llama.embedding_length"].AsInteger());
        Assert.Equal(config.NumHiddenLayers, file["llama.block_count"].AsInteger());
        Assert.Equal(config.IntermediateSize, file["llama.feed_forward_length"].AsInteger());
        Assert.Equal(config.NumAttentionHeads, file["llama.attention.head_count"].AsInteger());
        Assert.Equal(config.NumKeyValueHeads, file["llama.attention.head_count_kv"].AsInteger());
        Assert.Equal(config.HeadDim, file["llama.rope.dimension_count"].AsInteger());
        Assert.Equal((float)config.RopeTheta, file["llama.rope.freq_base"].AsFloat());
        Assert.Equal((float)config.RmsNormEps, file["llama.attention.layer_norm_rms_epsilon"].AsFloat());
        Assert.Equal(config.VocabSize, file["llama.vocab_size"].AsInteger());

        var tokenizer = HfTokenizer.FromPath(TrainedGgufModel.Folder);
        var tokens = file["tokenizer.ggml.tokens"].AsStrings();
        Assert.Equal(config.VocabSize, tokens.Length);
        for (var id = 0; id < tokens.Length; id++)
        {
            Assert.Equal(tokenizer.IdToToken(id) ?? $"[PAD{id}]", tokens[id]);
        }
        var types = file["tokenizer.ggml.token_type"].AsInt32s();
        Assert.Equal(3, types[tokenizer.BosId!.Value]); // control
        Assert.Equal(1, types[tokenizer.TokenToId("Ġthe")!.Value]); // normal
        Assert.Equal("gpt2", file["tokenizer.ggml.model"].AsString());
        Assert.Equal("deepseek-v3", file["tokenizer.ggml.pre"].AsString());
        using var json = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(TrainedGgufModel.Folder, "tokenizer.json")));
        var merges = json.RootElement.GetProperty("model").GetProperty("merges").EnumerateArray().Select(m => m.GetString()).ToArray();
        Assert.Equal(merges, file["tokenizer.ggml.merges"].AsStrings());
        Assert.Equal(tokenizer.BosId, (int)file["tokenizer.ggml.bos_token_id"].AsInteger());
        Assert.Equal(tokenizer.EosId, (int)file["tokenizer.ggml.eos_token_id"].AsInteger());
        Assert.Equal(tokenizer.PadId, (int)file["tokenizer.ggml.padding_token_id"].AsInteger());
        Assert.True(file["tokenizer.ggml.add_bos_token"].AsBool());
        Assert.False(file["tokenizer.ggml.add_eos_token"].AsBool());
        Assert.Equal(tokenizer.ChatTemplate, file["tokenizer.chat_template"].AsString());
        Assert.Equal(0, file.DataStart % 32);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % 32));
    }

    [Theory]
    [InlineData("f32")]
    [InlineData("f16")]
    [InlineData("bf16")]
    [InlineData("q8_0")]
    public void TensorsAreNamedTypedAndPermutedAsLlamaCppExpects(string outType)
    {
        var file = GgufReader.Read(TrainedGgufModel.Gguf(outType));
        var matrixType = outType switch { "f32" => GgmlType.F32, "f16" => GgmlType.F16, "bf16" => GgmlType.BF16, _ => GgmlType.Q8_0 };
        var config = TrainedGgufModel.Config;
        var expectedNames = new List<string> { "token_embd.weight" };
        for (var layer = 0; layer < config.NumHiddenLayers; layer++)
        {
            expectedNames.AddRange(new[] { "attn_q", "attn_k", "attn_v", "attn_output", "ffn_gate", "ffn_up", "ffn_down", "attn_norm", "ffn_norm" }
                .Select(n => $"blk.{layer}.{n}.weight"));
        }
        expectedNames.AddRange(["output_norm.weight", "output.weight"]);
        Assert.Equal(expectedNames.Order(), file.Tensors.Select(t => t.Name).Order());
        Assert.Equal("token_embd.weight", file.Tensors[0].Name);

        foreach (var (hfName, ggufName, heads) in Pairs())
        {
            var info = file.Tensor(ggufName);
            var source = Weights[hfName];
            Assert.Equal(source.shape, info.Shape);
            Assert.Equal(source.dim() == 1 ? GgmlType.F32 : matrixType, info.Type);
            var expected = heads == 0 ? source.data<float>().ToArray() : RowsInterleaved(source, heads);
            var actual = file.ReadTensorFloats(ggufName);
            var stored = file.ReadTensorBytes(ggufName);
            for (var i = 0; i < expected.Length; i++)
            {
                var reference = info.Type switch
                {
                    GgmlType.F16 => (float)(Half)expected[i],
                    GgmlType.BF16 => BFloat16(expected[i]),
                    _ => expected[i],
                };
                var tolerance = info.Type == GgmlType.Q8_0 ? Q8Bound(expected, i, stored) : 0f;
                Assert.True(Math.Abs(actual[i] - reference) <= tolerance,
                    $"{ggufName}[{i}]: {actual[i]} vs {reference} (tolerance {tolerance})");
            }
        }
    }

    /// <summary>
    /// Q8_0 rounds x/d to the nearest integer (error at most d/2) and stores d in f16 (each of the up to 127 steps is off
    /// by |d - d_f16|): the bound per value of its block, with d recomputed here from the block's own maximum.
    /// </summary>
    private static float Q8Bound(float[] values, int index, byte[] blocks)
    {
        var blockStart = index / 32 * 32;
        var d = values.AsSpan(blockStart, 32).ToArray().Max(MathF.Abs) / 127f;
        var stored = (float)BitConverter.ToHalf(blocks, index / 32 * 34);
        return d / 2 + 127 * MathF.Abs(d - stored) + 1e-7f;
    }

    /// <summary>llama.cpp's rows for a head: HF row j of the first half goes to 2j, of the second half to 2j + 1.</summary>
    private static float[] RowsInterleaved(Tensor weight, int heads)
    {
        var rows = (int)weight.shape[0];
        var columns = weight.dim() == 1 ? 1 : (int)weight.shape[1];
        var source = weight.data<float>().ToArray();
        var result = new float[source.Length];
        var headDim = rows / heads;
        for (var h = 0; h < heads; h++)
        {
            for (var j = 0; j < headDim / 2; j++)
            {
                Array.Copy(source, (h * headDim + j) * columns, result, (h * headDim + 2 * j) * columns, columns);
                Array.Copy(source, (h * headDim + headDim / 2 + j) * columns, result, (h * headDim + 2 * j + 1) * columns, columns);
            }
        }
        return result;
    }

    /// <summary>Round to nearest even on the upper 16 bits, as torch converts to bfloat16.</summary>
    private static float BFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000;
        return BitConverter.UInt32BitsToSingle(bits);
    }

    /// <summary>Each HF tensor, the GGUF name it maps to, and the head count its rows are interleaved by (0: none).</summary>
    private static IEnumerable<(string Hf, string Gguf, int Heads)> Pairs()
    {
        var config = TrainedGgufModel.Config;
        yield return ("model.embed_tokens.weight", "token_embd.weight", 0);
        yield return ("model.norm.weight", "output_norm.weight", 0);
        yield return ("lm_head.weight", "output.weight", 0);
        for (var l = 0; l < config.NumHiddenLayers; l++)
        {
            yield return ($"model.layers.{l}.self_attn.q_proj.weight", $"blk.{l}.attn_q.weight", config.NumAttentionHeads);
            yield return ($"model.layers.{l}.self_attn.k_proj.weight", $"blk.{l}.attn_k.weight", config.NumKeyValueHeads);
            yield return ($"model.layers.{l}.self_attn.v_proj.weight", $"blk.{l}.attn_v.weight", 0);
            yield return ($"model.layers.{l}.self_attn.o_proj.weight", $"blk.{l}.attn_output.weight", 0);
            yield return ($"model.layers.{l}.mlp.gate_proj.weight", $"blk.{l}.ffn_gate.weight", 0);
            yield return ($"model.layers.{l}.mlp.up_proj.weight", $"blk.{l}.ffn_up.weight", 0);
            yield return ($"model.layers.{l}.mlp.down_proj.weight", $"blk.{l}.ffn_down.weight", 0);
            yield return ($"model.layers.{l}.input_layernorm.weight", $"blk.{l}.attn_norm.weight", 0);
            yield return ($"model.layers.{l}.post_attention_layernorm.weight", $"blk.{l}.ffn_norm.weight", 0);
        }
    }
}
