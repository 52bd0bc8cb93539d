using SharpSpeed.Engine.Optim;
using SharpSpeed.Models;
using SharpSpeed.Tests.EngineParity;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// The single-process truth the engine is compared with, written without the engine: the parity model trained on
/// each step's whole global batch in one forward/backward (mean loss over the batch's label tokens), clipped with
/// torch's clip_grad_norm_, updated by TorchSharp's own AdamW (HF's decay / no-decay groups), at the schedule's rate.
/// </summary>
internal static class ReferenceTraining
{
    private static readonly Lazy<IReadOnlyDictionary<string, float[]>> s_fp32 = new(() => Run());

    public static IReadOnlyDictionary<string, float[]> Fp32Weights => s_fp32.Value;

    private static Dictionary<string, float[]> Run()
    {
        using var model = ParitySetup.CreateModel(ScalarType.Float32);
        var named = model.named_parameters().ToList();
        var options = ParitySetup.AdamW;
        var optimizer = new AdamW(
        [
            new AdamW.ParamGroup(named.Where(p => WeightDecayRule.HuggingFaceDecays(p.name)).Select(p => p.parameter),
                lr: 0, beta1: options.Beta1, beta2: options.Beta2, eps: options.Epsilon, weight_decay: options.WeightDecay),
            new AdamW.ParamGroup(named.Where(p => !WeightDecayRule.HuggingFaceDecays(p.name)).Select(p => p.parameter),
                lr: 0, beta1: options.Beta1, beta2: options.Beta2, eps: options.Epsilon, weight_decay: 0),
        ]);
        for (var step = 0; step < ParitySetup.Steps; step++)
        {
            using var scope = NewDisposeScope();
            optimizer.zero_grad();
            var (ids, labels) = ParitySetup.GlobalBatch(step);
            var loss = CausalLmLoss.Mean(model.Forward(ids), labels);
            loss.backward();
            nn.utils.clip_grad_norm_(named.Select(p => p.parameter), ParitySetup.MaxGradNorm);
            foreach (var group in optimizer.ParamGroups)
            {
                group.LearningRate = ParitySetup.Schedule.LearningRate(step);
            }
            optimizer.step();
        }
        return named.ToDictionary(p => p.name, p => p.parameter.detach().reshape(-1).data<float>().ToArray(), StringComparer.Ordinal);
    }
}
