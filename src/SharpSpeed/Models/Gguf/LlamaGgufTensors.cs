using System.Runtime.InteropServices;
using System.Text.RegularExpressions;
using SharpSpeed.IO.Gguf;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Gguf;

/// <summary>
/// HF LLaMA tensors as llama.cpp expects them: GGUF names (token_embd, blk.N.attn_q, ...), Q and K rows permuted
/// from HF's rotate-half layout back to the interleaved RoPE pairs llama.cpp's llama architecture rotates (the
/// permutation convert_hf_to_gguf.py applies), the output type chosen per tensor, and Llama 3.1's rope scaling
/// as the rope_freqs.weight tensor. Data is converted tensor by tensor while the file is written.
/// </summary>
public static partial class LlamaGgufTensors
{
    private static readonly Dictionary<string, string> LayerNames = new(StringComparer.Ordinal)
    {
        ["self_attn.q_proj"] = "attn_q",
        ["self_attn.k_proj"] = "attn_k",
        ["self_attn.v_proj"] = "attn_v",
        ["self_attn.o_proj"] = "attn_output",
        ["mlp.gate_proj"] = "ffn_gate",
        ["mlp.up_proj"] = "ffn_up",
        ["mlp.down_proj"] = "ffn_down",
        ["input_layernorm"] = "attn_norm",
        ["post_attention_layernorm"] = "ffn_norm",
    };

    [GeneratedRegex(@"^model\.layers\.(\d+)\.(.+)\.(weight|bias)$")]
    private static partial Regex LayerTensor();

    /// <summary>The GGUF tensor list for <paramref name="stateDict"/> (HF names); unknown tensors are an error naming them.</summary>
    public static List<GgufTensor> For(ModelConfig config, IReadOnlyDictionary<string, Tensor> stateDict, GgufOutType outType)
    {
        var permute = LlamaGgufMetadata.ArchitectureOf(config) == "llama";
        var tensors = new List<GgufTensor>();
        if (config.RopeScaling is { Type: RopeScaling.Llama3 } llama3)
        {
            var factors = Llama3RopeFactors(config, llama3);
            tensors.Add(new GgufTensor("rope_freqs.weight", [factors.Length], GgmlType.F32,
                stream => stream.Write(MemoryMarshal.AsBytes(factors.AsSpan()))));
        }
        foreach (var (name, tensor) in stateDict.OrderBy(kv => Order(kv.Key)).ThenBy(kv => kv.Key, StringComparer.Ordinal))
        {
            if (name.EndsWith("rotary_emb.inv_freq", StringComparison.Ordinal)
                || (name == "lm_head.weight" && config.TieWordEmbeddings))
            {
                continue; // recomputed by llama.cpp / the same tensor as token_embd
            }
            var (ggufName, heads) = Map(config, name);
            var shape = tensor.shape;
            var type = outType.TypeFor(shape);
            tensors.Add(new GgufTensor(ggufName, shape, type,
                stream => WriteConverted(tensor, permute ? heads : 0, type, stream)));
        }
        return tensors;
    }

    /// <summary>Embedding first, then layers in order, then the final norm and head, as the converter lists them.</summary>
    private static (int Group, int Layer) Order(string hfName)
    {
        var match = LayerTensor().Match(hfName);
        return match.Success ? (1, int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture))
            : hfName == "model.embed_tokens.weight" ? (0, 0) : (2, 0);
    }

    /// <summary>The GGUF name of an HF tensor, and the head count its rows are permuted by (0: not permuted).</summary>
    private static (string Name, int PermuteHeads) Map(ModelConfig config, string hfName)
    {
        switch (hfName)
        {
            case "model.embed_tokens.weight": return ("token_embd.weight", 0);
            case "model.norm.weight": return ("output_norm.weight", 0);
            case "lm_head.weight": return ("output.weight", 0);
        }
        var match = LayerTensor().Match(hfName);
        if (!match.Success || !LayerNames.TryGetValue(match.Groups[2].Value, out var module))
        {
            throw new InvalidDataException($"tensor '{hfName}' has no GGUF name in the llama architecture");
        }
        var heads = module switch
        {
            "attn_q" => config.NumAttentionHeads,
            "attn_k" => config.NumKeyValueHeads,
            _ => 0,
        };
        return ($"blk.{match.Groups[1].Value}.{module}.{match.Groups[3].Value}", heads);
    }

    /// <summary>
    /// HF stores each head's rotary pairs as (first half, second half); llama.cpp's llama RoPE rotates adjacent
    /// pairs. Per head, rows [0, h/2) and [h/2, h) are interleaved: reshape (heads, 2, h/2, ...) and swap axes 1, 2.
    /// </summary>
    public static Tensor PermuteForInterleavedRope(Tensor rows, int heads)
    {
        var shape = rows.shape;
        var perHalf = shape[0] / heads / 2;
        var grouped = shape.Length == 1 ? rows.reshape(heads, 2, perHalf) : rows.reshape(heads, 2, perHalf, -1);
        return grouped.transpose(1, 2).reshape(shape);
    }

    private static void WriteConverted(Tensor tensor, int permuteHeads, GgmlType type, Stream stream)
    {
        using var scope = NewDisposeScope();
        var values = tensor.detach().cpu().to(ScalarType.Float32);
        if (permuteHeads > 0)
        {
            values = PermuteForInterleavedRope(values, permuteHeads);
        }
        switch (type)
        {
            case GgmlType.F32:
                IO.TensorBytes.WriteFrom(values, stream);
                break;
            case GgmlType.F16:
                IO.TensorBytes.WriteFrom(values.to(ScalarType.Float16), stream);
                break;
            case GgmlType.BF16:
                IO.TensorBytes.WriteFrom(values.to(ScalarType.BFloat16), stream);
                break;
            case GgmlType.Q8_0:
                WriteQ8(values.contiguous(), stream);
                break;
        }
    }

    private static void WriteQ8(Tensor values, Stream stream)
    {
        var rowLength = values.shape[^1];
        var rows = values.reshape(-1, rowLength);
        var blockBytes = new byte[GgmlTypes.RowBytes(GgmlType.Q8_0, rowLength)];
        for (long r = 0; r < rows.shape[0]; r++)
        {
            using var row = rows[r];
            Q8Blocks.Quantize(MemoryMarshal.Cast<byte, float>(row.bytes), blockBytes);
            stream.Write(blockBytes);
        }
    }

    /// <summary>
    /// Llama 3.1's per-frequency divisors: 1 for short wavelengths, the factor for long ones, a smooth blend between
    /// (the formula of transformers' _compute_llama3_parameters, which the converter writes as rope_freqs).
    /// </summary>
    public static float[] Llama3RopeFactors(ModelConfig config, RopeScaling scaling)
    {
        var dim = config.HeadDim;
        var lowWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.LowFreqFactor;
        var highWavelength = scaling.OriginalMaxPositionEmbeddings / scaling.HighFreqFactor;
        var factors = new float[dim / 2];
        for (var i = 0; i < factors.Length; i++)
        {
            var frequency = 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / dim);
            var wavelength = 2 * Math.PI / frequency;
            if (wavelength < highWavelength)
            {
                factors[i] = 1f;
            }
            else if (wavelength > lowWavelength)
            {
                factors[i] = (float)scaling.Factor;
            }
            else
            {
                var smooth = (scaling.OriginalMaxPositionEmbeddings / wavelength - scaling.LowFreqFactor)
                             / (scaling.HighFreqFactor - scaling.LowFreqFactor);
                factors[i] = (float)(1 / ((1 - smooth) / scaling.Factor + smooth));
            }
        }
        return factors;
    }
}
