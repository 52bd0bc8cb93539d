using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Engine.DataParallel;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Models;
using SharpSpeed.Tests.EngineParity;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// What the engine communicates and when (through a recording one-process group), DDP's bucket plan, and bit-exact
/// resume from a captured state.
/// </summary>
public sealed class TrainingEngineTests
{
    [Fact]
    public void DdpBucketsFollowReverseParameterOrderWithASmallFirstBucket()
    {
        long[][] shapes = [[100], [300], [50], [400], [10]];
        var layout = FlatLayout.Create(shapes.Select((s, i) => ($"p{i}", s)), alignment: 1);
        var plan = new DdpBucketPlan(layout, elementSize: 4, firstBucketCapBytes: 200, bucketCapBytes: 1600);
        // p4 (40 B) + p3 (1600 B) reach the 200 B first cap; then p2 + p1 + p0 = 1800 B >= 1600 B.
        Assert.Equal([new PartitionRange(450, 410), new PartitionRange(0, 450)], plan.Buckets);
        Assert.Equal([2, 3], plan.SegmentCounts);
        Assert.Equal(0, plan.BucketOf(4));
        Assert.Equal(1, plan.BucketOf(0));
    }

    [Fact]
    public void StageZeroCommunicatesOnlyOnTheAccumulationBoundary()
    {
        var (group, engine, model) = Start("s0-a4-fp32");
        using (group)
        using (engine)
        using (model)
        {
            Assert.Equal(1, group.Count("broadcast"));
            var buckets = engine.DdpBuckets!.Buckets.Count;
            Assert.True(buckets > 2, $"the parity options should give several DDP buckets, not {buckets}");
            for (var micro = 0; micro < 3; micro++)
            {
                MicroStep(engine, model, micro);
                Assert.Equal(0, group.Count("all_reduce"));
            }
            MicroStep(engine, model, 3);
            Assert.Equal(buckets, group.Count("all_reduce"));
            Assert.Equal(engine.DdpBuckets.Buckets.Select(b => b.Length), group.Calls.Where(c => c.Operation == "all_reduce").Select(c => c.Elements));
            engine.Step();
            Assert.Equal(buckets, group.Count("all_reduce"));
        }
    }

    [Fact]
    public void OverlapStartsEveryDdpBucketFromGradientHooksDuringBackward()
    {
        var (group, engine, model) = Start("s0-a1-fp32-overlap");
        using (group)
        using (engine)
        using (model)
        {
            MicroStep(engine, model, 0);
            Assert.Equal(engine.DdpBuckets!.Buckets.Count, engine.BucketsLaunchedFromHooks);
            Assert.Equal(engine.DdpBuckets.Buckets.Count, group.Count("all_reduce"));
        }
    }

    [Fact]
    public void ZeroTwoReduceScattersEveryMicroStepAndGathersAfterTheStep()
    {
        var (group, engine, model) = Start("s2-a4-fp32");
        using (group)
        using (engine)
        using (model)
        {
            var options = ParitySetup.Options("s2-a4-fp32");
            var stripes = (int)Math.Ceiling(engine.Layout.PartitionSize / (double)options.ReduceBucketSize);
            for (var micro = 0; micro < 4; micro++)
            {
                MicroStep(engine, model, micro);
                Assert.Equal(stripes * (micro + 1), group.Count("reduce_scatter"));
            }
            Assert.All(group.Calls.Where(c => c.Operation == "reduce_scatter"), c => Assert.True(c.Elements <= options.ReduceBucketSize));
            engine.Step();
            var gathers = (int)Math.Ceiling(engine.Layout.PartitionSize / (double)options.AllgatherBucketSize);
            Assert.Equal(gathers, group.Count("all_gather"));
            Assert.Equal(1, group.Count("all_reduce")); // the squared gradient norm
        }
    }

    [Theory]
    [InlineData("s2-a4-fp32")]
    [InlineData("s1-a1-bf16")]
    [InlineData("s0-a1-fp16")]
    public void ResumingFromACapturedStateIsBitExact(string run)
    {
        using var scope = NewDisposeScope();
        var straight = Train(run, state: null, firstStep: 0, steps: 10, out _);
        Train(run, state: null, firstStep: 0, steps: 5, out var halfway);
        var resumed = Train(run, halfway, firstStep: 5, steps: 5, out _);
        foreach (var (name, values) in straight)
        {
            Assert.True(values.AsSpan().SequenceEqual(resumed[name]), $"{run}: {name} differs after resuming");
        }
    }

    [Theory]
    [InlineData("s0-a1-fp32")]
    [InlineData("s2-a1-fp32")]
    [InlineData("s0-a1-fp16")]
    public void NonFiniteGradientsSkipTheStepAndLeaveTheWeights(string run)
    {
        var (group, engine, model) = Start(run);
        using (group)
        using (engine)
        using (model)
        {
            using var scope = NewDisposeScope();
            var before = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.detach().clone());
            var (ids, _) = ParitySetup.GlobalBatch(0);
            // A loss whose gradient is NaN everywhere it reaches: what an fp16 overflow or a bad batch produces.
            engine.Backward(model.Forward(ids.narrow(0, 0, 2)).sum() * float.NaN);
            var result = engine.Step();
            Assert.True(result.Skipped, $"{run}: a NaN gradient must skip the step");
            Assert.False(double.IsFinite(result.GradNorm));
            Assert.Equal(0, engine.AppliedSteps);
            foreach (var (name, parameter) in model.named_parameters())
            {
                Assert.True(before[name].bytes.SequenceEqual(parameter.detach().bytes), $"{run}: {name} changed by a skipped step");
            }
        }
    }

    [Fact]
    public void RestoringAnotherWorldSizeIsRefusedWithAClearMessage()
    {
        var (group, engine, model) = Start("s1-a1-fp32");
        using (group)
        using (engine)
        using (model)
        {
            var state = engine.CaptureState();
            var foreign = state with { Record = state.Record with { WorldSize = 2 } };
            var error = Assert.Throws<InvalidOperationException>(() => engine.RestoreState(foreign));
            Assert.Contains("re-partitioning", error.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void AModelInTheWrongDtypeIsRefusedNamingTheParameter()
    {
        using var group = new SingleProcessGroup();
        using var model = ParitySetup.CreateModel(ScalarType.Float32);
        var error = Assert.Throws<ArgumentException>(() => new TrainingEngine(model, ParitySetup.Options("s2-a1-bf16"), group));
        Assert.Contains("\"model.embed_tokens.weight\" is Float32", error.Message, StringComparison.Ordinal);
    }

    private static Dictionary<string, float[]> Train(string run, EngineState? state, int firstStep, int steps, out EngineState captured)
    {
        using var group = new SingleProcessGroup();
        using var model = ParitySetup.CreateModel(ParitySetup.ModelType(run));
        using var engine = new TrainingEngine(model, ParitySetup.Options(run), group);
        if (state is not null)
        {
            engine.RestoreState(state);
        }
        ParitySetup.Train(model, engine, run, rank: 0, world: 1, firstStep, steps);
        captured = engine.CaptureState();
        var weights = engine.ConsolidatedWeights();
        var result = weights.ToDictionary(w => w.Key, w => w.Value.reshape(-1).data<float>().ToArray(), StringComparer.Ordinal);
        foreach (var tensor in weights.Values)
        {
            tensor.Dispose();
        }
        return result;
    }

    private static (CountingProcessGroup Group, TrainingEngine Engine, LlamaForCausalLM Model) Start(string run)
    {
        var group = new CountingProcessGroup();
        var model = ParitySetup.CreateModel(ParitySetup.ModelType(run));
        return (group, new TrainingEngine(model, ParitySetup.Options(run), group), model);
    }

    private static void MicroStep(TrainingEngine engine, LlamaForCausalLM model, int micro)
    {
        using var scope = NewDisposeScope();
        var (ids, labels) = ParitySetup.GlobalBatch(micro);
        var batchIds = ids.narrow(0, 0, 6);
        var batchLabels = labels.narrow(0, 0, 6);
        engine.Backward(CausalLmLoss.SumOverTokens(model.Forward(batchIds), batchLabels, CausalLmLoss.CountLabelTokens(batchLabels)));
    }
}
