using SharpSpeed.Engine;
using SharpSpeed.Engine.Config;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Placement;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Schedules;
using SharpSpeed.Engine.Zero;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.EngineParity;

/// <summary>
/// The shared ground of the engine parity tests (compiled into the MPI worker and the test project): a very small
/// LLaMA with tied embeddings (so one parameter has two uses), a fixed global batch per step with masked labels, and
/// the hyper-parameters. A run is named like "s2-a4-fp32", "s0-a1-bf16" or "s3-a2-fp32-overlap-offopt" (stage,
/// accumulation, precision, then options: "overlap" overlap_comm, "big" DeepSpeed's default bucket sizes, "offopt"
/// optimizer offload, "offparam" parameter offload, "noscatter" reduce_scatter false, "nogather" allgather_partitions
/// false, "prescale" prescale_gradients, "predivide" gradient_predivide_factor 2).
/// </summary>
public static class ParitySetup
{
    public const int Steps = 10;
    public const int GlobalSequences = 24;
    public const int SequenceLength = 8;
    public const long ModelSeed = 1234;
    public const double MaxGradNorm = 0.3;
    public const double BaseLearningRate = 1e-2;
    public const double WeightDecay = 0.1;

    public static ModelConfig Config { get; } = NamedModelConfigs.Tiny with
    {
        VocabSize = 64,
        HiddenSize = 32,
        IntermediateSize = 48,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        TieWordEmbeddings = true,
        MaxPositionEmbeddings = 64,
    };

    public static ILearningRateSchedule Schedule { get; } =
        new HuggingFaceSchedule(HfSchedulerType.Linear, BaseLearningRate, WarmupSteps: 3, TotalSteps: 12);

    public static AdamWOptions AdamW { get; } = new(0.9, 0.95, 1e-8, WeightDecay);

    public static LlamaForCausalLM CreateModel(ScalarType dtype) => LlamaForCausalLM.CreateRandom(Config, ModelSeed, dtype);

    /// <summary>Step <paramref name="step"/>'s global batch: token ids and labels with about a quarter masked (-100).</summary>
    public static (Tensor Ids, Tensor Labels) GlobalBatch(int step)
    {
        var generator = new Generator((ulong)(1000 + step));
        var ids = randint(0, Config.VocabSize, [GlobalSequences, SequenceLength], generator: generator);
        using var quarter = 0.25.ToScalar();
        using var ignored = CausalLmLoss.IgnoreIndex.ToScalar();
        var masked = rand([GlobalSequences, SequenceLength], generator: generator).lt(quarter);
        var labels = ids.masked_fill(masked, ignored);
        return (ids, labels);
    }

    public static TrainingEngineOptions Options(string run)
    {
        var parts = run.Split('-');
        return new TrainingEngineOptions
        {
            ZeroStage = int.Parse(parts[0][1..], System.Globalization.CultureInfo.InvariantCulture),
            GradientAccumulationSteps = int.Parse(parts[1][1..], System.Globalization.CultureInfo.InvariantCulture),
            Precision = parts[2] switch { "bf16" => TrainingPrecision.Bf16, "fp16" => TrainingPrecision.Fp16, _ => TrainingPrecision.Fp32 },
            // fp16: DeepSpeed's dynamic scaler from 2^8 (its default is 2^16), so the first steps do not all overflow.
            Fp16 = new Fp16Config(Enabled: parts[2] == "fp16", InitialScalePower: 8),
            OverlapComm = parts.Contains("overlap"),
            AdamW = AdamW,
            Schedule = Schedule,
            GradientClipping = MaxGradNorm,
            // Small buckets so every collective runs in several pieces on this small model (~18k parameters); "big":
            // DeepSpeed's default 5e8, where each ZeRO collective covers the whole buffer in place.
            ReduceBucketSize = parts.Contains("big") ? 500_000_000 : 1000,
            AllgatherBucketSize = parts.Contains("big") ? 500_000_000 : 1500,
            DdpBucketCapBytes = 8192,
            ReduceScatter = !parts.Contains("noscatter"),
            AllgatherPartitions = !parts.Contains("nogather"),
            PrescaleGradients = parts.Contains("prescale"),
            GradientPredivideFactor = parts.Contains("predivide") ? 2.0 : 1.0,
            OffloadOptimizer = parts.Contains("offopt") ? new HostOffload(PinMemory: true) : null,
            OffloadParam = parts.Contains("offparam") ? new HostOffload(PinMemory: true) : null,
            // Norm weights (32 elements) persistent, prefetching a unit ahead, reuse within 4000 elements, and at most
            // 12000 elements (the embedding and one layer, not two layers) gathered by prefetch: every path of the
            // gatherer runs on this small model, and the whole model (about 17600 elements) is never gathered at once.
            Stage3 = new Stage3Options { ParamPersistenceThreshold = 100, PrefetchBucketSize = 6000, MaxReuseDistance = 4000, MaxLiveParameters = 12000 },
        };
    }

    public static ScalarType ModelType(string run) =>
        run.Contains("bf16", StringComparison.Ordinal) ? ScalarType.BFloat16
        : run.Contains("fp16", StringComparison.Ordinal) ? ScalarType.Float16
        : ScalarType.Float32;

    /// <summary>
    /// Trains <see cref="Steps"/> steps of run <paramref name="run"/> as rank <c>engine</c>'s share: each rank takes its
    /// contiguous slice of the global batch, split into micro-batches; the loss is the token-loss sum * world / the
    /// global batch's label tokens, as the engine documents.
    /// </summary>
    public static IReadOnlyList<StepResult> Train(
        LlamaForCausalLM model, TrainingEngine engine, string run, int rank, int world, int firstStep = 0, int steps = Steps)
    {
        var accumulation = Options(run).GradientAccumulationSteps;
        var perRank = GlobalSequences / world;
        var perMicro = perRank / accumulation;
        if (perMicro * accumulation * world != GlobalSequences)
        {
            throw new ArgumentException($"{GlobalSequences} sequences do not split over {world} ranks x {accumulation} micro-batches");
        }
        var results = new List<StepResult>();
        for (var step = firstStep; step < firstStep + steps; step++)
        {
            using var scope = NewDisposeScope();
            var (ids, labels) = GlobalBatch(step);
            var tokens = CausalLmLoss.CountLabelTokens(labels);
            for (var micro = 0; micro < accumulation; micro++)
            {
                using var microScope = NewDisposeScope();
                var start = rank * perRank + micro * perMicro;
                var logits = model.Forward(ids.narrow(0, start, perMicro));
                using var worldSize = world.ToScalar();
                var loss = CausalLmLoss.SumOverTokens(logits, labels.narrow(0, start, perMicro), tokens).mul(worldSize);
                engine.Backward(loss);
            }
            results.Add(engine.Step());
        }
        return results;
    }
}
