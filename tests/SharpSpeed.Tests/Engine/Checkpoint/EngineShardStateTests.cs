using SharpSpeed.Engine.Checkpoint;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Checkpoint;

public sealed class EngineShardStateTests
{
    /// <summary>An fp16 model with every engine piece, stepping the way the trainer will.</summary>
    private sealed class Rig : IDisposable
    {
        private readonly nn.Module<Tensor, Tensor> _model;
        private readonly WarmupLR _schedule = new WarmupLR(0, 1e-2, 3, SharpSpeed.Engine.Config.WarmupShape.Linear);

        public Rig(int seed)
        {
            _model = Deterministic.Initialize(nn.Sequential(("l1", nn.Linear(6, 8)), ("act", nn.Tanh()), ("l2", nn.Linear(8, 2))), seed);
            _model.to(ScalarType.Float16);
            var named = _model.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).ToArray();
            Layout = FlatLayout.Create(named.Select(p => (p.name, p.Item2.shape)), partitions: 1, alignment: 8);
            Precision = new MixedPrecision(Layout, TrainingPrecision.Fp16, Layout.Whole);
            Precision.ModelParameters.BindParameters(named);
            Precision.ModelGradients.BindGradients(named);
            Precision.CopyModelToMaster();
            Optimizer = new FlatAdamW(Layout, Layout.Whole, new AdamWOptions(WeightDecay: 0.1), WeightDecayRule.HuggingFaceDecays);
            Scaler = new DynamicLossScaler(new DynamicLossScalerOptions(InitScale: Math.Pow(2, 18), ScaleWindow: 2, DelayedShift: 1));
        }

        public FlatLayout Layout { get; }
        public MixedPrecision Precision { get; }
        public FlatAdamW Optimizer { get; }
        public DynamicLossScaler Scaler { get; }
        public long AppliedSteps { get; set; }
        public int Skipped { get; private set; }

        public void TrainStep(int batch)
        {
            using var scope = NewDisposeScope();
            var input = Deterministic.Randn(1000 + batch, 16, 6).to_type(ScalarType.Float16);
            var loss = _model.forward(input).to_type(ScalarType.Float32).square().mean();
            (loss * Scaler.LossScale).backward();
            var check = Precision.UnscaleAndClip(Scaler.LossScale, maxGradNorm: 1.0);
            Scaler.UpdateScale(check.Overflow);
            if (check.Overflow)
            {
                Skipped++;
            }
            else
            {
                Optimizer.Step(Precision.Master, Precision.Gradients, _schedule.LearningRate(AppliedSteps));
                AppliedSteps++;
                Precision.CopyMasterToModel();
            }
            Precision.ZeroGradients();
        }

        public void Dispose()
        {
            Optimizer.Dispose();
            Precision.Dispose();
            _model.Dispose();
        }
    }

    [Fact]
    public void ResumingFromACapturedShardContinuesBitForBit()
    {
        using var straight = new Rig(seed: 5);
        for (var batch = 0; batch < 8; batch++)
        {
            straight.TrainStep(batch);
        }

        using var first = new Rig(seed: 5);
        for (var batch = 0; batch < 4; batch++)
        {
            first.TrainStep(batch);
        }
        var (views, metadata) = EngineShardState.Capture(first.Layout, 0, first.Precision, first.Optimizer, first.Scaler, first.AppliedSteps);
        // What a checkpoint writer would keep: copies of the tensors and the metadata as JSON text.
        var saved = views.ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        var json = metadata.ToJson();
        Assert.True(first.Skipped > 0 && first.AppliedSteps > 0, $"skipped {first.Skipped}, applied {first.AppliedSteps}");

        using var resumed = new Rig(seed: 99);
        resumed.AppliedSteps = EngineShardState.Restore("checkpoint-4", saved, EngineShardMetadata.FromJson(json, "checkpoint-4"),
            resumed.Layout, 0, resumed.Precision, resumed.Optimizer, resumed.Scaler);
        for (var batch = 4; batch < 8; batch++)
        {
            resumed.TrainStep(batch);
        }

        Assert.True(straight.Precision.Master.equal(resumed.Precision.Master).all().item<bool>());
        Assert.True(straight.Precision.ModelParameters.Data.equal(resumed.Precision.ModelParameters.Data).all().item<bool>());
        Assert.True(straight.Optimizer.ExpAvgSq.equal(resumed.Optimizer.ExpAvgSq).all().item<bool>());
        Assert.Equal(straight.Optimizer.StepCount, resumed.Optimizer.StepCount);
        Assert.Equal(straight.AppliedSteps, resumed.AppliedSteps);
        Assert.Equal(straight.Scaler.State, resumed.Scaler.State);
    }

    [Fact]
    public void AShardForAnotherPartitioningOrModelIsRefused()
    {
        using var rig = new Rig(seed: 1);
        var (tensors, metadata) = EngineShardState.Capture(rig.Layout, 0, rig.Precision, rig.Optimizer, rig.Scaler, 0);

        var otherWorld = metadata with { Partitions = 2 };
        var error = Assert.Throws<InvalidDataException>(() =>
            EngineShardState.Restore("ckpt", tensors, otherWorld, rig.Layout, 0, rig.Precision, rig.Optimizer, rig.Scaler));
        Assert.StartsWith("ckpt: the optimizer shard was written for 2 partition(s)", error.Message);

        var otherModel = metadata with { LayoutSignature = "0" };
        Assert.Contains("different model", Assert.Throws<InvalidDataException>(() =>
            EngineShardState.Restore("ckpt", tensors, otherModel, rig.Layout, 0, rig.Precision, rig.Optimizer, rig.Scaler)).Message);

        var missing = tensors.Where(kv => kv.Key != EngineShardState.ExpAvgKey).ToDictionary();
        Assert.Equal("ckpt: tensor \"exp_avg\" is missing from the optimizer shard", Assert.Throws<InvalidDataException>(() =>
            EngineShardState.Restore("ckpt", missing, metadata, rig.Layout, 0, rig.Precision, rig.Optimizer, rig.Scaler)).Message);
    }
}
