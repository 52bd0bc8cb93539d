using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;

namespace SharpSpeed.Training;

/// <summary>The LoRA / QLoRA part of <see cref="TrainingArguments"/>: whether a run trains adapters, and with what.</summary>
public static class AdapterArguments
{
    /// <summary>QLoRA's own default rank (qlora.py), used when --bits asks for QLoRA without --lora_r.</summary>
    public const int QloraDefaultRank = 64;

    /// <summary>The adapter a run trains, or null for full fine-tuning.</summary>
    public static LoraConfig? Lora(TrainingArguments args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.LoraR is null && args.Bits == 16)
        {
            return null;
        }
        return new LoraConfig
        {
            R = args.LoraR ?? QloraDefaultRank,
            Alpha = args.LoraAlpha,
            Dropout = args.LoraDropout,
            TargetModules = LoraConfig.ParseTargets(args.LoraTargetModules),
            UseRslora = args.UseRslora,
            BaseModelNameOrPath = args.ModelNameOrPath,
        };
    }

    /// <summary>Freezes the base and attaches the adapters of <paramref name="lora"/> (nothing when null).</summary>
    public static void Apply(LlamaForCausalLM model, TrainingArguments args, LoraConfig? lora, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(log);
        if (lora is null)
        {
            return;
        }
        var wrapped = LoraInjection.Apply(model, lora, args.Seed);
        var trainable = model.ParameterUnits().Sum(u => u.Elements);
        if (args.Bits != 16)
        {
            var settings = new QuantizationSettings(args.Bits, args.QuantType, args.DoubleQuant);
            long stored = 0, full = 0;
            // As QLoRA (bitsandbytes skips the output layer): every base linear except lm_head.
            foreach (var (path, linear) in LoraInjection.Linears(model).Where(l => l.Path != "lm_head"))
            {
                full += linear.Weight.numel() * linear.Weight.ElementSize;
                linear.Quantize(settings);
                stored += linear.Quantized!.StorageBytes;
            }
            log($"QLoRA: base linear weights stored in {args.Bits} bits ({(args.Bits == 4 ? args.QuantType : "int8")}" +
                $"{(args.DoubleQuant ? ", double-quantised constants" : "")}): {full / 1e6:F1} MB -> {stored / 1e6:F1} MB");
        }
        log($"LoRA r {lora.R}, alpha {lora.Alpha}, scale {lora.Scale:G4}, dropout {lora.Dropout} on {wrapped.Count} linear modules " +
            $"({string.Join(", ", wrapped.Select(p => p[(p.LastIndexOf('.') + 1)..]).Distinct())}): {trainable:N0} trainable parameters, base frozen");
    }

    public static IEnumerable<string> Problems(TrainingArguments args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Bits is not (4 or 8 or 16))
        {
            yield return $"--bits must be 4, 8 or 16 (got {args.Bits})";
        }
        if (args.QuantType is not ("nf4" or "fp4"))
        {
            yield return $"--quant_type must be nf4 or fp4 (got {args.QuantType})";
        }
        if (Lora(args) is { } lora)
        {
            foreach (var problem in lora.Problems())
            {
                yield return problem;
            }
        }
    }
}
