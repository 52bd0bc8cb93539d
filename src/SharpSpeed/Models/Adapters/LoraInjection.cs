using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models.Adapters;

/// <summary>
/// Turns a loaded model into a LoRA model, as PEFT's <c>get_peft_model</c> does: every base parameter frozen
/// (requires_grad false, kept in its dtype), an adapter attached to each targeted linear module. The model's
/// <see cref="LlamaForCausalLM.ParameterUnits"/> then lists only the adapters, which is all a training engine trains.
/// </summary>
public static class LoraInjection
{
    /// <summary>
    /// Attaches adapters initialised as PEFT does; returns the wrapped modules' paths in model order. With
    /// <paramref name="seed"/> the lora_A draws come from a generator of their own (reproducible whatever else uses
    /// torch's global generator), else from the global one.
    /// </summary>
    public static IReadOnlyList<string> Apply(LlamaForCausalLM model, LoraConfig config, long? seed = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        var problems = config.Problems().ToList();
        if (problems.Count > 0)
        {
            throw new ArgumentException(string.Join("; ", problems));
        }
        foreach (var (_, parameter) in model.named_parameters())
        {
            parameter.requires_grad = false;
        }
        var linears = Linears(model);
        var targets = linears.Where(l => config.Targets(l.Path)).ToList();
        if (targets.Count == 0)
        {
            var names = linears.Select(l => l.Path[(l.Path.LastIndexOf('.') + 1)..]).Distinct();
            throw new ArgumentException(
                $"--lora_target_modules {string.Join(',', config.TargetModules)}: no linear module of the model matches; " +
                $"its linear modules are {string.Join(", ", names)} (or use {LoraConfig.AllLinear})");
        }
        using var generator = seed is { } value ? new Generator((ulong)value) : null;
        foreach (var (_, linear) in targets)
        {
            var weight = linear.Weight;
            linear.Attach(LoraAdapter.Create(weight.shape[1], weight.shape[0], config, weight.dtype, weight.device, generator));
        }
        return [.. targets.Select(t => t.Path)];
    }

    /// <summary>The model's linear modules by path (<c>model.layers.0.self_attn.q_proj</c>, …, <c>lm_head</c>).</summary>
    public static IReadOnlyList<(string Path, LinearProjection Linear)> Linears(LlamaForCausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return [.. model.named_modules().Where(m => m.module is LinearProjection).Select(m => (m.name, (LinearProjection)m.module))];
    }

    /// <summary>The adapters' parameters by model name (<c>….q_proj.lora_A.weight</c>), as the model holds them.</summary>
    public static IReadOnlyDictionary<string, Tensor> AdapterParameters(LlamaForCausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var (path, linear) in Linears(model))
        {
            if (linear.Adapter is { } adapter)
            {
                result[path + ".lora_A.weight"] = adapter.A.Weight;
                result[path + ".lora_B.weight"] = adapter.B.Weight;
            }
        }
        return result;
    }
}
