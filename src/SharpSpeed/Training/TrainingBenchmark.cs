using System.Diagnostics;
using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Placement;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;
using SharpSpeed.Engine.Zero;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Training;

/// <summary>
/// Trains a stated model on a fixed synthetic batch through the real <see cref="TrainingEngine"/> (the trainer's
/// step: forward, the loss of the global batch's tokens, engine backward with its gradient communication, engine
/// step) and times it after warm-up steps. Token ids are seeded random (seed + rank), so no data set or tokenizer
/// is involved and PyTorch's reference can train the same shapes.
/// </summary>
public static class TrainingBenchmark
{
    public static TrainingBenchmarkResult Run(TrainingBenchmarkSettings settings, ProcessGroup group, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(log);
        settings.Validate();
        foreach (var line in ProcessSettings.Apply())
        {
            log(line);
        }
        var dtype = settings.Precision switch
        {
            TrainingPrecision.Bf16 => ScalarType.BFloat16,
            TrainingPrecision.Fp16 => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        manual_seed(settings.Seed);
        using var model = LlamaForCausalLM.CreateRandom(settings.Model, settings.Seed, dtype);
        model.train();
        var options = new TrainingEngineOptions
        {
            ZeroStage = settings.ZeroStage,
            Precision = settings.Precision,
            AdamW = new AdamWOptions(WeightDecay: 0.0),
            Schedule = new HuggingFaceSchedule(HfSchedulerType.Constant, settings.LearningRate, 0, settings.Steps + settings.WarmupSteps),
            GradientClipping = settings.GradientClipping,
            OverlapComm = settings.OverlapComm,
            ReduceBucketSize = settings.ReduceBucketSize,
            AllgatherBucketSize = settings.ReduceBucketSize,
            Stage3 = new Stage3Options
            {
                PrefetchBucketSize = settings.PrefetchBucketSize,
                ParamPersistenceThreshold = settings.ParamPersistenceThreshold,
                MaxReuseDistance = settings.MaxReuseDistance,
            },
            OffloadOptimizer = settings.OffloadOptimizer ? new HostOffload(PinMemory: true) : null,
            OffloadParam = settings.OffloadParam ? new HostOffload(PinMemory: true) : null,
        };
        using var engine = new TrainingEngine(model, options, group);

        using var generator = new Generator((ulong)(settings.Seed + group.Rank));
        using var inputIds = randint(settings.Model.VocabSize, [settings.BatchSize, settings.SequenceLength], dtype: ScalarType.Int64, generator: generator);
        var globalLabels = (long)settings.BatchSize * (settings.SequenceLength - 1) * group.WorldSize;
        var peak = ComputeBudget.MeasureGroupPeak(group);
        log($"bench train: {group.WorldSize} rank(s) [{group.Backend}], {get_num_threads()} thread(s) per rank, " +
            $"{settings.Model.ParameterCount():N0} parameters, batch {settings.BatchSize} x seq {settings.SequenceLength} per rank, " +
            $"ZeRO stage {settings.ZeroStage}{(settings.OverlapComm ? " with overlap_comm" : "")}{(settings.OffloadOptimizer ? ", offload_optimizer" : "")}" +
            $"{(settings.OffloadParam ? ", offload_param" : "")}, {settings.Precision}; {settings.WarmupSteps} warm-up + {settings.Steps} timed steps");

        double forwardMs = 0, backwardMs = 0, optimizerMs = 0, firstLoss = double.NaN, lastLoss = double.NaN;
        var total = Stopwatch.StartNew();
        var exposedBefore = TimeSpan.Zero;
        long syncsBefore = 0;
        var launchedDuringBackward = 0;
        for (var step = 0; step < settings.WarmupSteps + settings.Steps; step++)
        {
            var timed = step >= settings.WarmupSteps;
            if (step == settings.WarmupSteps)
            {
                group.Barrier();
                total.Restart();
                engine.Ledger.ResetPeaks();
                exposedBefore = engine.ExposedCommunication;
                syncsBefore = engine.Syncs.Count;
            }
            using var scope = NewDisposeScope();
            var clock = Stopwatch.StartNew();
            var logits = model.Forward(inputIds);
            using var worldSize = group.WorldSize.ToScalar();
            var loss = CausalLmLoss.SumOverTokens(logits, inputIds, globalLabels).mul(worldSize);
            var forward = clock.Elapsed.TotalMilliseconds;
            clock.Restart();
            engine.Backward(loss);
            var backward = clock.Elapsed.TotalMilliseconds;
            launchedDuringBackward = engine.BlocksLaunchedDuringBackward;
            clock.Restart();
            engine.Step();
            var optimizer = clock.Elapsed.TotalMilliseconds;
            lastLoss = loss.item<float>();
            if (step == 0)
            {
                firstLoss = lastLoss;
            }
            if (timed)
            {
                forwardMs += forward;
                backwardMs += backward;
                optimizerMs += optimizer;
            }
        }
        group.Barrier();
        var elapsed = total.Elapsed;
        var steps = settings.Steps;
        return new TrainingBenchmarkResult(group.WorldSize, get_num_threads(), settings.Model.ParameterCount(), steps,
            (long)settings.BatchSize * settings.SequenceLength * group.WorldSize, elapsed.TotalSeconds,
            forwardMs / steps, backwardMs / steps, optimizerMs / steps,
            ComputeBudget.FlopsPerToken(settings.Model, settings.SequenceLength), peak, firstLoss, lastLoss)
        {
            Memory = engine.Memory,
            ExposedCommMs = (engine.ExposedCommunication - exposedBefore).TotalMilliseconds / steps,
            BlocksLaunchedDuringBackward = launchedDuringBackward,
            SyncsPerStep = (double)(engine.Syncs.Count - syncsBefore) / steps,
            PeakResidentBytes = ProcessMemory.PeakResidentBytes(),
        };
    }
}
