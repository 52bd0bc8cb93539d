using System.Diagnostics;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>One row of <see cref="ModuleProfile"/>: the median time of one forward + backward of a part of the model.</summary>
public sealed record ModuleTiming(string Part, double ForwardMs, double BackwardMs);

/// <summary>
/// Where a training step's time goes, part by part. First the whole model with its loss, forward and backward,
/// without the engine (what a step costs beyond it is the engine's). Then each part of the model (embedding, RMSNorm, attention with its
/// projections, the MLP, the lm_head with cross-entropy) runs forward and backward alone, on the batch shape that
/// <c>bench train</c> uses. Then come the plain GEMMs of a q_proj and a gate_proj, the AdamW step over the model's
/// parameters, and the framework's own cost per operation (a 1-element add_). bench/pytorch_reference.py --ops times
/// the same parts in PyTorch, so the two profiles compare row by row.
/// </summary>
public static class ModuleProfile
{
    private const int Warmup = 3;

    public static IReadOnlyList<ModuleTiming> Run(ModelConfig config, int batchSize, int sequenceLength, int repeats, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(log);
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        foreach (var line in ProcessSettings.Apply())
        {
            log(line);
        }
        var seam = new ParameterSeam();
        using var weights = new RandomWeights(0.02, seed: 7);
        var hidden = config.HiddenSize;
        var rows = (long)batchSize * sequenceLength;
        using var generator = new Generator(11);
        using var ids = randint(config.VocabSize, [batchSize, sequenceLength], dtype: ScalarType.Int64, generator: generator);
        using var activations = randn(batchSize, sequenceLength, hidden);
        using var rotary = new RotaryEmbedding(config.HeadDim, config.RopeTheta, config.RopeScaling);
        using var positions = AttentionMasks.Positions(0, sequenceLength, CPU).unsqueeze(0);
        var (cos, signedSin) = rotary.Tables(positions, ScalarType.Float32);
        using (cos)
        using (signedSin)
        {
            var inputs = new AttentionInputs(cos, signedSin, Mask: null, IsCausal: true, Cache: null);
            using var embedding = new TokenEmbedding("embed_tokens", config.VocabSize, hidden, weights, seam);
            using var norm = new RmsNorm("norm", hidden, config.RmsNormEps, weights, seam);
            using var attention = new LlamaAttention("self_attn", 0, config, weights, seam);
            using var mlp = new LlamaMlp("mlp", config, weights, seam);
            using var lmHead = new LinearProjection("lm_head", hidden, config.VocabSize, false, weights, seam);
            using var qShaped = new LinearProjection("q", hidden, hidden, false, weights, seam);
            using var gateShaped = new LinearProjection("gate", hidden, config.IntermediateSize, false, weights, seam);
            var tokens = rows - batchSize;
            using var model = LlamaForCausalLM.CreateRandom(config, seed: 7);
            return
            [
                Time("whole model + loss, no engine", repeats, () => CausalLmLoss.SumOverTokens(model.Forward(ids), ids, tokens)),
                Time("embedding", repeats, () => embedding.Forward(ids)),
                Time("rmsnorm", repeats, () => norm.Forward(Leaf(activations))),
                Time("attention (projections + rotary + SDPA)", repeats, () => attention.Forward(Leaf(activations), inputs)),
                Time("mlp (gate, up, SiLU, down)", repeats, () => mlp.Forward(Leaf(activations))),
                Time("lm_head + cross-entropy", repeats, () => CausalLmLoss.SumOverTokens(lmHead.Forward(Leaf(activations)), ids, tokens)),
                Time($"GEMM {rows}x{hidden} -> {hidden} (q_proj)", repeats, () => qShaped.Forward(Leaf(activations))),
                Time($"GEMM {rows}x{hidden} -> {config.IntermediateSize} (gate_proj)", repeats, () => gateShaped.Forward(Leaf(activations))),
                TimeAdamW(config.ParameterCount(), repeats),
                TimeDispatch(),
            ];
        }
    }

    private static Tensor Leaf(Tensor values) => values.detach().requires_grad_(true);

    private static ModuleTiming Time(string part, int repeats, Func<Tensor> forward)
    {
        var forwardMs = new List<double>();
        var backwardMs = new List<double>();
        for (var i = 0; i < Warmup + repeats; i++)
        {
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var output = forward();
            var f = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            output.sum().backward();
            var b = clock.Elapsed.TotalMilliseconds;
            if (i >= Warmup)
            {
                forwardMs.Add(f);
                backwardMs.Add(b);
            }
        }
        return new ModuleTiming(part, Median(forwardMs), Median(backwardMs));
    }

    /// <summary>The engine's AdamW over a flat fp32 buffer of the model's size (the optimizer phase of a stage-0 step).</summary>
    private static ModuleTiming TimeAdamW(long parameters, int repeats)
    {
        using var scope = NewDisposeScope();
        var layout = FlatLayout.Create([("all", [parameters])]);
        using var optimizer = new FlatAdamW(OptimizerRange.Whole(layout, _ => false), new AdamWOptions());
        var weights = randn(parameters);
        var gradients = randn(parameters);
        var times = new List<double>();
        for (var i = 0; i < Warmup + repeats; i++)
        {
            var clock = Stopwatch.StartNew();
            optimizer.Update(weights, gradients, learningRate: 1e-3);
            if (i >= Warmup)
            {
                times.Add(clock.Elapsed.TotalMilliseconds);
            }
        }
        return new ModuleTiming($"AdamW step over {parameters:N0} parameters", Median(times), 0);
    }

    /// <summary>The framework's cost of one tiny operation: 10,000 in-place adds on 1-element tensors, per add.</summary>
    private static ModuleTiming TimeDispatch()
    {
        const int Operations = 10_000;
        using var x = zeros(1);
        using var y = ones(1);
        for (var i = 0; i < 100; i++)
        {
            x.add_(y, HeldScalars.One);
        }
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < Operations; i++)
        {
            x.add_(y, HeldScalars.One);
        }
        return new ModuleTiming("one 1-element add_ (framework overhead per op)", clock.Elapsed.TotalMilliseconds / Operations, 0);
    }

    private static double Median(List<double> values)
    {
        values.Sort();
        return values[values.Count / 2];
    }
}
