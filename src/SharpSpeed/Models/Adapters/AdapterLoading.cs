using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Adapters;

/// <summary>Uses a PEFT LoRA folder with a loaded base model: beside it (generate --adapter) or merged into it (convert --adapter).</summary>
public static class AdapterLoading
{
    /// <summary>Attaches the folder's adapters to <paramref name="model"/> (frozen base + adapters, as PeftModel computes).</summary>
    public static LoraConfig Attach(LlamaForCausalLM model, string adapterDir)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = AdapterFolder.LoadConfig(adapterDir);
        var weights = AdapterFolder.LoadWeights(adapterDir);
        try
        {
            LoraInjection.Apply(model, config);
            var parameters = LoraInjection.AdapterParameters(model);
            using var noGrad = no_grad();
            foreach (var (name, parameter) in parameters)
            {
                using var source = Take(weights, name, parameter.shape, adapterDir);
                parameter.copy_(source);
            }
            ThrowOnLeftovers(weights, adapterDir);
            return config;
        }
        finally
        {
            DisposeAll(weights);
        }
    }

    /// <summary>
    /// Merges the folder's adapters into the base weights, as PEFT's <c>merge_and_unload</c>: W ← W + scale · B A,
    /// computed in fp32 and stored in W's dtype. The model keeps no adapter; saving it gives a plain HF folder.
    /// </summary>
    public static LoraConfig Merge(LlamaForCausalLM model, string adapterDir)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = AdapterFolder.LoadConfig(adapterDir);
        var weights = AdapterFolder.LoadWeights(adapterDir, ScalarType.Float32);
        try
        {
            using var noGrad = no_grad();
            foreach (var (path, linear) in LoraInjection.Linears(model))
            {
                if (!weights.ContainsKey(path + ".lora_A.weight"))
                {
                    continue;
                }
                var weight = linear.Weight;
                var a = Take(weights, path + ".lora_A.weight", [config.R, weight.shape[1]], adapterDir);
                var b = Take(weights, path + ".lora_B.weight", [weight.shape[0], config.R], adapterDir);
                using var scale = config.Scale.ToScalar();
                using var delta = b.matmul(a).mul_(scale);
                using var merged = weight.to(ScalarType.Float32).add_(delta, HeldScalars.One);
                weight.copy_(merged);
                a.Dispose();
                b.Dispose();
            }
            ThrowOnLeftovers(weights, adapterDir);
            return config;
        }
        finally
        {
            DisposeAll(weights);
        }
    }

    private static Tensor Take(Dictionary<string, Tensor> weights, string name, long[] shape, string adapterDir)
    {
        if (!weights.Remove(name, out var tensor))
        {
            throw new InvalidDataException($"{Path.Combine(adapterDir, AdapterFolder.WeightsFileName)}: tensor '{AdapterFolder.KeyPrefix}{name}' is missing");
        }
        if (!tensor.shape.SequenceEqual(shape))
        {
            var shapes = $"[{string.Join(", ", tensor.shape)}], the model needs [{string.Join(", ", shape)}]";
            tensor.Dispose();
            throw new InvalidDataException($"{Path.Combine(adapterDir, AdapterFolder.WeightsFileName)}: tensor '{AdapterFolder.KeyPrefix}{name}' has shape {shapes}");
        }
        return tensor;
    }

    private static void ThrowOnLeftovers(Dictionary<string, Tensor> weights, string adapterDir)
    {
        if (weights.Count > 0)
        {
            throw new InvalidDataException(
                $"{Path.Combine(adapterDir, AdapterFolder.WeightsFileName)}: tensor '{AdapterFolder.KeyPrefix}{weights.Keys.First()}' " +
                "belongs to no linear module of the base model (another base model, or other target modules?)");
        }
    }

    private static void DisposeAll(Dictionary<string, Tensor> weights)
    {
        foreach (var tensor in weights.Values)
        {
            tensor.Dispose();
        }
    }
}
