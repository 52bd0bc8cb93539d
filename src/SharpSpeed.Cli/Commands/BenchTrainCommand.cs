using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SharpSpeed.Comm;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Models;
using SharpSpeed.Training;
using TorchSharp;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// `sharpspeed bench train`: tokens/s, step time split and MFU of a tiny LLaMA trained on a fixed synthetic batch
/// through the real engine. Run it under launch for several ranks: `sharpspeed launch --nproc_per_node 2 bench train`.
/// </summary>
internal static class BenchTrainCommand
{
    private static readonly ModelConfig Reference = TrainingBenchmarkSettings.ReferenceModel;

    private static readonly Option<int> HiddenSize = Int("--hidden_size", "Model width.", Reference.HiddenSize);
    private static readonly Option<int> NumLayers = Int("--num_layers", "Decoder layers.", Reference.NumHiddenLayers);
    private static readonly Option<int> NumHeads = Int("--num_heads", "Attention heads (as many key/value heads).", Reference.NumAttentionHeads);
    private static readonly Option<int> IntermediateSize = Int("--intermediate_size", "MLP width.", Reference.IntermediateSize);
    private static readonly Option<int> VocabSize = Int("--vocab_size", "Vocabulary size.", Reference.VocabSize);
    private static readonly Option<int> SequenceLength = Int("--seq_length", "Tokens per row.", 128);
    private static readonly Option<int> BatchSize = Int("--batch_size", "Rows per rank per step.", 4);
    private static readonly Option<int> Steps = Int("--steps", "Timed optimizer steps.", 20);
    private static readonly Option<int> Warmup = Int("--warmup", "Untimed steps first.", 3);
    private static readonly Option<int> ZeroStage = Int("--zero_stage", "0 (DDP), 1, 2 or 3.", 0);
    private static readonly Option<int> Threads = Int("--threads", "Threads per rank (default: launch's cores / ranks, else libtorch's).", 0);
    private static readonly Option<bool> Bf16 = new("--bf16") { Description = "bf16 model with fp32 master weights (default fp32)." };
    private static readonly Option<bool> OverlapComm = new("--overlap_comm")
    {
        Description = "Communicate gradients from hooks during backward (torch DDP's behaviour; DeepSpeed's overlap_comm).",
    };
    private static readonly Option<bool> OffloadOptimizer = new("--offload_optimizer")
    {
        Description = "DeepSpeed's offload_optimizer (device cpu): master weights and Adam moments in host memory, CPU Adam.",
    };
    private static readonly Option<bool> OffloadParam = new("--offload_param")
    {
        Description = "DeepSpeed's offload_param (device cpu, ZeRO stage 3): the parameter partition in host memory.",
    };
    private static readonly Option<long> ReduceBucketSize = Long("--reduce_bucket_size", "DeepSpeed's reduce_bucket_size (and allgather_bucket_size), in elements.", 500_000_000);
    private static readonly Option<long> PrefetchBucketSize = Long("--stage3_prefetch_bucket_size", "DeepSpeed's stage3_prefetch_bucket_size, in elements: parameters ZeRO-3 gathers ahead.", 50_000_000);
    private static readonly Option<long> ParamPersistenceThreshold = Long("--stage3_param_persistence_threshold", "DeepSpeed's stage3_param_persistence_threshold, in elements: smaller parameters stay gathered.", 100_000);
    private static readonly Option<long> MaxReuseDistance = Long("--stage3_max_reuse_distance", "DeepSpeed's stage3_max_reuse_distance, in elements: a unit used again within it stays gathered.", 1_000_000_000);
    private static readonly Option<string> Backend = new("--backend")
    {
        Description = "Process group backend: auto, mpi, nccl.",
        DefaultValueFactory = _ => "auto",
    };
    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object (rank 0) instead of a summary line." };
    private static readonly Option<bool> Ops = new("--ops")
    {
        Description = "Profile instead of training: forward and backward of each part of the model, two GEMMs, AdamW and the cost of one tiny op, at this shape (1 rank, fp32; medians of --steps runs after 3 untimed ones; --warmup, --backend, --bf16 and the ZeRO flags do not apply).",
    };

    /// <summary>The options that the --ops profile does not read; given with it, each says so.</summary>
    private static readonly Option[] NotUsedByOps =
    [
        Warmup, ZeroStage, Bf16, OverlapComm, OffloadOptimizer, OffloadParam, ReduceBucketSize, PrefetchBucketSize,
        ParamPersistenceThreshold, MaxReuseDistance, Backend,
    ];

    public static Command Create()
    {
        var command = new Command("train", "Training throughput (tokens/s), step time split and MFU of a tiny LLaMA on a synthetic batch; run under launch for several ranks.")
        {
            HiddenSize, NumLayers, NumHeads, IntermediateSize, VocabSize, SequenceLength, BatchSize, Steps, Warmup, ZeroStage, Threads,
            Bf16, OverlapComm, OffloadOptimizer, OffloadParam, ReduceBucketSize, PrefetchBucketSize, ParamPersistenceThreshold, MaxReuseDistance,
            Backend, Json, Ops,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var hidden = parse.GetValue(HiddenSize);
            var heads = parse.GetValue(NumHeads);
            if (hidden < 1 || heads < 1 || hidden % heads != 0)
            {
                throw new ArgumentException($"--hidden_size {hidden} must be a positive multiple of --num_heads {heads}");
            }
            var settings = new TrainingBenchmarkSettings
            {
                Model = Reference with
                {
                    HiddenSize = hidden,
                    NumHiddenLayers = parse.GetValue(NumLayers),
                    NumAttentionHeads = heads,
                    NumKeyValueHeads = heads,
                    HeadDim = hidden / heads,
                    IntermediateSize = parse.GetValue(IntermediateSize),
                    VocabSize = parse.GetValue(VocabSize),
                },
                SequenceLength = parse.GetValue(SequenceLength),
                BatchSize = parse.GetValue(BatchSize),
                Steps = parse.GetValue(Steps),
                WarmupSteps = parse.GetValue(Warmup),
                ZeroStage = parse.GetValue(ZeroStage),
                Precision = parse.GetValue(Bf16) ? TrainingPrecision.Bf16 : TrainingPrecision.Fp32,
                OverlapComm = parse.GetValue(OverlapComm),
                OffloadOptimizer = parse.GetValue(OffloadOptimizer),
                OffloadParam = parse.GetValue(OffloadParam),
                ReduceBucketSize = parse.GetValue(ReduceBucketSize),
                PrefetchBucketSize = parse.GetValue(PrefetchBucketSize),
                ParamPersistenceThreshold = parse.GetValue(ParamPersistenceThreshold),
                MaxReuseDistance = parse.GetValue(MaxReuseDistance),
            };
            var threads = parse.GetValue(Threads);
            if (threads > 0)
            {
                torch.set_num_threads(threads);
            }
            else
            {
                RankThreads.Apply();
            }
            if (parse.GetValue(Ops))
            {
                foreach (var option in NotUsedByOps.Where(option => parse.GetResult(option) is { Implicit: false }))
                {
                    error.WriteLine($"{option.Name}: no effect with --ops (the profile runs one rank in fp32, after 3 untimed runs)");
                }
                var timings = ModuleProfile.Run(settings.Model, settings.BatchSize, settings.SequenceLength, settings.Steps, error.WriteLine);
                PrintProfile(output, settings, timings, parse.GetValue(Json));
                return 0;
            }
            return ProcessGroups.Create(parse.GetValue(Backend)!).RunAndDispose(group =>
            {
                var result = TrainingBenchmark.Run(settings, group, line =>
                {
                    if (group.Rank == 0)
                    {
                        error.WriteLine(line);
                    }
                });
                if (group.Rank == 0)
                {
                    Print(output, settings, group.Backend, result, parse.GetValue(Json));
                }
                return 0;
            });
        });
        return command;
    }

    private static void Print(TextWriter output, TrainingBenchmarkSettings settings, string backend, TrainingBenchmarkResult r, bool json)
    {
        if (!json)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.TokensPerSecond:F0} tokens/s, {r.StepMs:F1} ms/step (forward {r.ForwardMs:F1}, backward+grad comm {r.BackwardMs:F1}, " +
                $"optimizer {r.OptimizerMs:F1}, exposed grad comm {r.ExposedCommMs:F1}), MFU {r.Mfu * 100:F2}% of {r.PeakFlops / 1e9:F1} GFLOP/s; " +
                $"{r.WorldSize} rank(s) x {r.ThreadsPerRank} thread(s); rank 0 engine memory peak {r.Memory.Peak / 1048576.0:F2} MiB " +
                $"(parameters {r.Memory.Parameters / 1048576.0:F2}, gradients {r.Memory.Gradients / 1048576.0:F2}, buckets {r.Memory.Buckets / 1048576.0:F2})"));
            return;
        }
        var model = settings.Model;
        output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
        {
            ["implementation"] = "sharpspeed",
            ["tokens_per_s"] = Math.Round(r.TokensPerSecond, 1),
            ["step_ms"] = Math.Round(r.StepMs, 3),
            ["forward_ms"] = Math.Round(r.ForwardMs, 3),
            ["backward_ms"] = Math.Round(r.BackwardMs, 3),
            ["optimizer_ms"] = Math.Round(r.OptimizerMs, 3),
            ["mfu"] = Math.Round(r.Mfu, 6),
            ["peak_flops"] = Math.Round(r.PeakFlops),
            ["flops_per_token"] = r.FlopsPerToken,
            ["world_size"] = r.WorldSize,
            ["threads_per_rank"] = r.ThreadsPerRank,
            ["backend"] = backend,
            ["params"] = r.Parameters,
            ["zero_stage"] = settings.ZeroStage,
            ["overlap_comm"] = settings.OverlapComm,
            ["offload_optimizer"] = settings.OffloadOptimizer,
            ["offload_param"] = settings.OffloadParam,
            ["reduce_bucket_size"] = settings.ReduceBucketSize,
            ["stage3_prefetch_bucket_size"] = settings.PrefetchBucketSize,
            ["stage3_param_persistence_threshold"] = settings.ParamPersistenceThreshold,
            ["stage3_max_reuse_distance"] = settings.MaxReuseDistance,
            ["exposed_comm_ms"] = Math.Round(r.ExposedCommMs, 3),
            ["blocks_launched_during_backward"] = r.BlocksLaunchedDuringBackward,
            ["device_syncs_per_step"] = r.SyncsPerStep,
            ["peak_rss_bytes"] = r.PeakResidentBytes,
            ["memory_bytes"] = new Dictionary<string, long>
            {
                ["parameters"] = r.Memory.Parameters,
                ["gradients"] = r.Memory.Gradients,
                ["master"] = r.Memory.MasterWeights,
                ["optimizer"] = r.Memory.OptimizerStates,
                ["buckets"] = r.Memory.Buckets,
                ["peak"] = r.Memory.Peak,
                ["device_peak"] = r.Memory.DevicePeak,
                ["host_resident"] = r.Memory.HostResident,
            },
            ["dtype"] = settings.Precision == TrainingPrecision.Bf16 ? "bfloat16" : "float32",
            ["hidden_size"] = model.HiddenSize,
            ["num_layers"] = model.NumHiddenLayers,
            ["num_heads"] = model.NumAttentionHeads,
            ["intermediate_size"] = model.IntermediateSize,
            ["vocab_size"] = model.VocabSize,
            ["seq_length"] = settings.SequenceLength,
            ["batch_size"] = settings.BatchSize,
            ["steps"] = r.TimedSteps,
            ["warmup"] = settings.WarmupSteps,
            ["tokens"] = r.Tokens,
            ["elapsed_s"] = r.ElapsedSeconds,
            ["loss_first"] = Math.Round(r.FirstLoss, 5),
            ["loss_last"] = Math.Round(r.LastLoss, 5),
        }));
    }

    private static void PrintProfile(TextWriter output, TrainingBenchmarkSettings settings, IReadOnlyList<ModuleTiming> timings, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["implementation"] = "sharpspeed",
                ["threads"] = torch.get_num_threads(),
                ["hidden_size"] = settings.Model.HiddenSize,
                ["seq_length"] = settings.SequenceLength,
                ["batch_size"] = settings.BatchSize,
                ["parts"] = timings.Select(t => new Dictionary<string, object>
                {
                    ["part"] = t.Part,
                    ["forward_ms"] = Math.Round(t.ForwardMs, 4),
                    ["backward_ms"] = Math.Round(t.BackwardMs, 4),
                }).ToList(),
            }));
            return;
        }
        output.WriteLine($"{"part",-52}{"forward ms",12}{"backward ms",13}");
        foreach (var t in timings)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t.Part,-52}{t.ForwardMs,12:F4}{t.BackwardMs,13:F4}"));
        }
    }

    private static Option<int> Int(string name, string description, int defaultValue) =>
        new(name) { Description = $"{description} Default {defaultValue}.", DefaultValueFactory = _ => defaultValue };

    private static Option<long> Long(string name, string description, long defaultValue) =>
        new(name) { Description = $"{description} Default {defaultValue}.", DefaultValueFactory = _ => defaultValue };
}
