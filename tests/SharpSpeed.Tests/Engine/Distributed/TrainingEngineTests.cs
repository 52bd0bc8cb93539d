using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Models;
using SharpSpeed.Tests.EngineParity;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// What the engine communicates and when (through a recording one-process group), what it holds where, ZeRO-3's
/// gathering, and bit-exact resume from a captured state.
/// </summary>
public sealed class TrainingEngineTests
{
    [Fact]
    public void StageZeroAllReducesEveryBlockOnlyOnTheAccumulationBoundary()
    {
        var (group, engine, model) = Start("s0-a4-fp32");
        using (group)
        using (engine)
        using (model)
        {
            Assert.Equal(1, group.Count("broadcast"));
            var blocks = engine.Layout.Blocks.Count;
            Assert.True(blocks > 2, $"the parity options should give several blocks, not {blocks}");
            for (var micro = 0; micro < 3; micro++)
            {
                MicroStep(engine, model, micro);
                Assert.Equal(0, group.Count("all_reduce"));
            }
            MicroStep(engine, model, 3);
            // Launched in plan order: the last block first, as backward produces the gradients.
            Assert.Equal(engine.Layout.Blocks.Reverse().Select(b => b.Length), group.Calls.Where(c => c.Operation == "all_reduce").Select(c => c.Elements));
            engine.Step();
            Assert.Equal(blocks, group.Count("all_reduce"));
        }
    }

    [Fact]
    public void OverlapStartsBlocksFromGradientHooksWhileBackwardRuns()
    {
        var (group, engine, model) = Start("s2-a1-fp32-overlap");
        using (group)
        using (engine)
        using (model)
        {
            MicroStep(engine, model, 0);
            Assert.Equal(engine.Layout.Blocks.Count, group.Count("reduce_scatter"));
            // The tied embedding's block completes with the very last gradient; every other block went out during backward.
            Assert.True(engine.BlocksLaunchedDuringBackward >= engine.Layout.Blocks.Count - 2,
                $"{engine.BlocksLaunchedDuringBackward} of {engine.Layout.Blocks.Count} blocks started during backward");
        }
    }

    [Fact]
    public void ZeroTwoReduceScattersEveryMicroStepWithoutAFullGradientBuffer()
    {
        var (group, engine, model) = Start("s2-a4-fp32");
        using (group)
        using (engine)
        using (model)
        {
            var blocks = engine.Layout.Blocks.Count;
            for (var micro = 0; micro < 4; micro++)
            {
                MicroStep(engine, model, micro);
                Assert.Equal(blocks * (micro + 1), group.Count("reduce_scatter"));
            }
            var options = ParitySetup.Options("s2-a4-fp32");
            Assert.All(group.Calls.Where(c => c.Operation == "reduce_scatter"), c => Assert.True(c.Elements <= options.ReduceBucketSize));
            engine.Step();
            Assert.Equal(blocks, group.Count("all_gather"));
            Assert.Equal(1, group.Count("all_reduce")); // the squared gradient norm
            var memory = engine.Memory;
            var full = engine.Layout.TotalElements * sizeof(float);
            Assert.Equal(full, memory.Gradients); // the fp32 partition (one rank owns everything here), nothing more
            var largestUnit = engine.Layout.Units.Max(u => u.Length) * sizeof(float);
            var embedding = engine.Layout.Units[0].Length * sizeof(float);
            Assert.InRange(memory.Buckets, 1, largestUnit + embedding); // open blocks only, never the whole model
            Assert.True(memory.Buckets < full, $"buckets {memory.Buckets} B must stay below the full gradient {full} B");
        }
    }

    [Fact]
    public void ZeroThreeGathersUnitsForForwardAndBackwardAndReleasesThem()
    {
        var (group, engine, model) = Start("s3-a1-fp32");
        using (group)
        using (engine)
        using (model)
        {
            Assert.All(model.parameters(), p => Assert.Equal(0, p.numel())); // the model holds no values of its own
            MicroStep(engine, model, 0);
            var first = engine.Gathering!.Value;
            Assert.Equal(0, first.Prefetches); // the first micro-step records the trace
            Assert.True(first.Gathers > engine.Layout.Units.Count, $"{first.Gathers} gathers: backward must gather again what forward released");
            Assert.Equal(0, group.Count("all_reduce"));
            var gatheredPeak = engine.Memory.Parameters - engine.Layout.PartitionSize * sizeof(float);
            Assert.InRange(gatheredPeak, 1, engine.Layout.TotalElements * sizeof(float) - 1);
            engine.Step();
            Assert.Equal(1, group.Count("all_reduce")); // the norm; no all-gather of parameters after the step
            var gathersBefore = group.Count("all_gather");
            MicroStep(engine, model, 1);
            Assert.True(engine.Gathering!.Value.Prefetches > 0, "the second micro-step must prefetch along the recorded trace");
            Assert.True(group.Count("all_gather") > gathersBefore);
            Assert.Equal(0, engine.Ledger.Current(MemoryKind.GatheredParameters, host: false)
                - PersistentBytes(engine)); // after backward only the persistent unit stays gathered
        }
    }

    [Theory]
    [InlineData("s2-a1-fp32-offopt")]
    [InlineData("s3-a1-bf16-offopt-offparam")]
    public void OffloadKeepsOptimizerStateInHostMemoryAndStepsThereWithCpuAdam(string run)
    {
        var (group, engine, model) = Start(run);
        using (group)
        using (engine)
        using (model)
        {
            Assert.IsType<SharpSpeed.Engine.Optim.CpuAdamW>(engine.Optimizer);
            foreach (var name in new[] { "master", "exp_avg", "exp_avg_sq", "fp32_gradients" })
            {
                Assert.Equal(DeviceType.CPU, engine.StateTensors[name].device_type);
                Assert.True(engine.Ledger.Current(name.StartsWith("exp", StringComparison.Ordinal) ? MemoryKind.Optimizer
                    : name == "master" ? MemoryKind.Master : MemoryKind.Gradients, host: true) > 0, $"{name} is booked as offloaded");
            }
            // No GPU here: nothing can be page-locked, whatever pin_memory says.
            Assert.False(engine.Placement.Pinned(engine.Placement.Optimizer));
            var offparam = run.Contains("offparam", StringComparison.Ordinal);
            Assert.Equal(offparam, engine.Ledger.Current(MemoryKind.Parameters, host: true) > 0);
            MicroStep(engine, model, 0);
            Assert.False(engine.Step().Skipped);
            Assert.Equal(1, engine.Optimizer.StepCount);
        }
    }

    [Theory]
    [InlineData("s2-a4-fp32")]
    [InlineData("s1-a1-bf16")]
    [InlineData("s0-a1-fp16")]
    [InlineData("s3-a2-fp32-overlap")]
    [InlineData("s3-a1-bf16-offopt-offparam")]
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
    [InlineData("s3-a1-fp32")]
    [InlineData("s0-a1-fp16")]
    public void NonFiniteGradientsSkipTheStepAndLeaveTheWeights(string run)
    {
        var (group, engine, model) = Start(run);
        using (group)
        using (engine)
        using (model)
        {
            using var scope = NewDisposeScope();
            var before = engine.ConsolidatedWeights();
            var (ids, _) = ParitySetup.GlobalBatch(0);
            // A loss whose gradient is NaN everywhere it reaches: what an fp16 overflow or a bad batch produces.
            using var nan = float.NaN.ToScalar();
            engine.Backward(model.Forward(ids.narrow(0, 0, 2)).sum().mul(nan));
            var result = engine.Step();
            Assert.True(result.Skipped, $"{run}: a NaN gradient must skip the step");
            Assert.False(double.IsFinite(result.GradNorm));
            Assert.Equal(0, engine.AppliedSteps);
            foreach (var (name, after) in engine.ConsolidatedWeights())
            {
                Assert.True(before[name].bytes.SequenceEqual(after.bytes), $"{run}: {name} changed by a skipped step");
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

    private static long PersistentBytes(TrainingEngine engine) =>
        engine.Layout.Units.Where(u => u.Name == "persistent").Sum(u => u.Length) * sizeof(float);

    private static void MicroStep(TrainingEngine engine, LlamaForCausalLM model, int micro)
    {
        using var scope = NewDisposeScope();
        var (ids, labels) = ParitySetup.GlobalBatch(micro);
        var batchIds = ids.narrow(0, 0, 6);
        var batchLabels = labels.narrow(0, 0, 6);
        engine.Backward(CausalLmLoss.SumOverTokens(model.Forward(batchIds), batchLabels, CausalLmLoss.CountLabelTokens(batchLabels)));
    }
}
