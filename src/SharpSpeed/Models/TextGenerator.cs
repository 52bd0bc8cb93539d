using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Autoregressive generation with a KV cache: the prompt is run once, then each new token costs one
/// single-position forward pass over the cached keys and values.
/// </summary>
public static class TextGenerator
{
    /// <summary>The new token ids (without the prompt), ending with an eos id when one was produced.</summary>
    public static int[] Generate(LlamaForCausalLM model, IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        options.Validate();
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt has no tokens: generation needs at least one (e.g. BOS)");
        }
        var vocab = model.Config.VocabSize;
        foreach (var id in promptIds)
        {
            if (id < 0 || id >= vocab)
            {
                throw new ArgumentException($"prompt token id {id} is outside the model's vocabulary (0..{vocab - 1})");
            }
        }
        var device = model.parameters().First().device;
        var output = new List<int>(options.MaxNewTokens);
        using var noGrad = no_grad();
        using var cache = new KvCache(model.Config.NumHiddenLayers);
        using var sampler = new TokenSampler(options);
        var next = promptIds.Select(id => (long)id).ToArray();
        while (output.Count < options.MaxNewTokens)
        {
            using var scope = NewDisposeScope();
            var input = tensor(next, [1, next.Length], ScalarType.Int64, device);
            var logits = model.Forward(input, cache: cache);
            var token = sampler.Next(logits[0, -1]);
            output.Add(token);
            if (options.EosTokenIds.Contains(token))
            {
                break;
            }
            next = [token];
        }
        return [.. output];
    }
}
