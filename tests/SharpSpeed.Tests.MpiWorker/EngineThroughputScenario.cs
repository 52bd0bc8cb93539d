using System.Diagnostics;
using System.Text.Json;
using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Engine.Schedules;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>
/// A throughput probe for notes, not a test: the bundled tiny model (seq 128, 2 sequences per rank) trained a few steps
/// with the engine at a given ZeRO stage; each rank reports tokens/s and the time spent in forward, in Backward (backward
/// plus stage 0's all-reduce or stage 2's reduce-scatter) and in Step (norm, AdamW, all-gather).
/// </summary>
internal static class EngineThroughputScenario
{
    private const int Steps = 6;
    private const int SequencesPerRank = 2;
    private const int SequenceLength = 128;

    public static int Run(string outputDirectory, int stage)
    {
        using var group = ProcessGroups.Create("mpi");
        torch.set_num_threads(Math.Max(1, Environment.ProcessorCount / group.WorldSize));
        using var model = LlamaForCausalLM.CreateRandom(NamedModelConfigs.Tiny, seed: 1);
        var options = new TrainingEngineOptions
        {
            ZeroStage = stage,
            Schedule = new HuggingFaceSchedule(HfSchedulerType.Constant, 3e-4, 0, Steps),
            GradientClipping = 1.0,
            OverlapComm = true,
            ReduceBucketSize = 200_000_000,
            AllgatherBucketSize = 200_000_000,
        };
        using var engine = new TrainingEngine(model, options, group);
        var forward = new Stopwatch();
        var backward = new Stopwatch();
        var step = new Stopwatch();
        var total = new Stopwatch();
        var generator = new Generator((ulong)(7 + group.Rank));
        for (var i = 0; i < Steps; i++)
        {
            if (i == 1)
            {
                // The first step pays one-time allocation and thread start-up.
                forward.Reset();
                backward.Reset();
                step.Reset();
                group.Barrier();
                total.Restart();
            }
            using var scope = NewDisposeScope();
            var ids = randint(0, NamedModelConfigs.Tiny.VocabSize, [SequencesPerRank, SequenceLength], generator: generator);
            forward.Start();
            var loss = CausalLmLoss.Mean(model.Forward(ids), ids);
            forward.Stop();
            backward.Start();
            engine.Backward(loss);
            backward.Stop();
            step.Start();
            engine.Step();
            step.Stop();
        }
        group.Barrier();
        total.Stop();
        var measured = Steps - 1;
        var report = new Dictionary<string, object>
        {
            ["rank"] = group.Rank,
            ["world"] = group.WorldSize,
            ["stage"] = stage,
            ["parameters"] = engine.Layout.ParameterElements,
            ["tokens_per_s"] = measured * SequencesPerRank * SequenceLength * group.WorldSize / total.Elapsed.TotalSeconds,
            ["step_ms"] = total.Elapsed.TotalMilliseconds / measured,
            ["forward_ms"] = forward.Elapsed.TotalMilliseconds / measured,
            ["backward_ms"] = backward.Elapsed.TotalMilliseconds / measured,
            ["optimizer_step_ms"] = step.Elapsed.TotalMilliseconds / measured,
            ["memory"] = engine.Memory,
        };
        File.WriteAllText(Path.Combine(outputDirectory, $"rank{group.Rank}.json"), JsonSerializer.Serialize(report));
        return 0;
    }
}
