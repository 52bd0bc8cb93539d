using SharpSpeed.Engine;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine;

public sealed class TrainingEngineTests
{
    private static Sequential NewModel(int seed)
    {
        return Deterministic.Initialize(nn.Sequential(("l1", nn.Linear(6, 8)), ("act", nn.Tanh()), ("l2", nn.Linear(8, 3))), seed);
    }

    private static (string, Tensor)[] Named(Sequential model) =>
        model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToArray();

    private static Tensor Batch(int index)
    {
        return Deterministic.Randn(500 + index, 5, 6);
    }

    [Fact]
    public void Fp32WithAccumulationAndClippingMatchesTorchSharpAdamWAndClipGradNorm()
    {
        using var scope = NewDisposeScope();
        const int accumulation = 2, steps = 6;
        const double maxNorm = 0.05, lr = 1e-2, weightDecay = 0.01;
        var model = NewModel(4);
        var reference = NewModel(4);
        var schedule = new HuggingFaceSchedule(HfSchedulerType.Linear, lr, WarmupSteps: 2, TotalSteps: 10);
        using var engine = new TrainingEngine(Named(model),
            new EngineOptions(TrainingPrecision.Fp32, new AdamWOptions(WeightDecay: weightDecay), schedule, new StaticLossScaler(),
                maxNorm, accumulation));

        var parameters = reference.named_parameters().ToArray();
        var torchAdamW = new AdamW(
        [
            new AdamW.ParamGroup(parameters.Where(p => p.name.EndsWith("weight", StringComparison.Ordinal)).Select(p => p.parameter),
                lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: weightDecay),
            new AdamW.ParamGroup(parameters.Where(p => p.name.EndsWith("bias", StringComparison.Ordinal)).Select(p => p.parameter),
                lr: lr, beta1: 0.9, beta2: 0.999, eps: 1e-8, weight_decay: 0),
        ]);

        var clipped = 0;
        for (var step = 0; step < steps; step++)
        {
            // HF linear schedule written out: warm-up 2, linear to 0 at 10.
            var expectedLr = lr * (step < 2 ? step / 2.0 : (10.0 - step) / 8.0);
            foreach (var group in torchAdamW.ParamGroups)
            {
                group.LearningRate = expectedLr;
            }
            for (var micro = 0; micro < accumulation; micro++)
            {
                var input = Batch(step * accumulation + micro);
                reference.forward(input).square().mean().div(accumulation).backward();
                engine.Backward(model.forward(input).square().mean().div(accumulation));
                var result = engine.Step();
                Assert.Equal(micro == accumulation - 1, result.IsBoundary);
                if (result.IsBoundary)
                {
                    var torchNorm = nn.utils.clip_grad_norm_(parameters.Select(p => p.parameter), maxNorm);
                    Assert.Equal(torchNorm, result.GradNorm, 1e-6 * torchNorm);
                    Assert.Equal(expectedLr, result.LearningRate, 1e-15);
                    clipped += torchNorm > maxNorm ? 1 : 0;
                    torchAdamW.step();
                    torchAdamW.zero_grad();
                }
            }
        }

        Assert.True(clipped > 0, "clipping never engaged; the test would not cover it");
        Assert.Equal(steps, engine.AppliedSteps);
        foreach (var (name, parameter) in reference.named_parameters())
        {
            var ours = model.named_parameters().Single(p => p.name == name).parameter;
            Assert.True(ours.sub(parameter).abs().max().item<float>() <= 1e-6, name);
        }
    }

    [Fact]
    public void Fp16OverflowSkipsTheStepHalvesTheScaleAndKeepsTheSchedule()
    {
        using var scope = NewDisposeScope();
        var model = NewModel(2);
        model.to(ScalarType.Float16);
        var log = new List<string>();
        var scaler = new DynamicLossScaler(new DynamicLossScalerOptions(InitScale: 16, DelayedShift: 1), 0, log.Add);
        using var engine = new TrainingEngine(Named(model),
            new EngineOptions(TrainingPrecision.Fp16, new AdamWOptions(), new WarmupLR(1e-4, 1e-3, 10), scaler, 1.0, 1));
        var before = engine.Precision.ModelParameters.Data.clone();

        var input = Batch(0).to_type(ScalarType.Float16);
        engine.Backward(model.forward(input).to_type(ScalarType.Float32).sum() * 1e30);
        var result = engine.Step();

        Assert.True(result is { IsBoundary: true, Applied: false, Overflow: true });
        Assert.Equal(8, scaler.LossScale);
        Assert.Equal(["[deepspeed] OVERFLOW! Rank 0 Skipping step. Attempted loss scale: 16, reducing to 8"], log);
        Assert.Equal((0L, 1L), (engine.AppliedSteps, engine.SkippedSteps));
        Assert.True(engine.Precision.ModelParameters.Data.equal(before).all().item<bool>());
        Assert.Equal(0f, engine.Precision.ModelGradients.Data.abs().sum().to_type(ScalarType.Float32).item<float>());

        engine.Backward(model.forward(input).to_type(ScalarType.Float32).square().mean());
        // The skipped step did not advance DeepSpeed's schedule: this first applied step runs at warmup_min_lr.
        var applied = engine.Step();
        Assert.True(applied.Applied);
        Assert.Equal(1e-4, applied.LearningRate);
        Assert.False(engine.Precision.ModelParameters.Data.equal(before).all().item<bool>());
        var layout = engine.Layout;
        Assert.Equal(new EngineMemory(layout.TotalElements * 2, layout.TotalElements * 2, layout.TotalElements * 8, layout.TotalElements * 8),
            engine.Memory);
    }
}
