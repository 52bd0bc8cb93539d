using System.Text.Json;
using SharpSpeed.Comm;
using SharpSpeed.Comm.Mpi;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>
/// Runs every collective for every dtype, blocking and asynchronous, on rank-dependent tensors and writes each
/// case's input and output (as doubles) to rank{R}.json; the test computes the expected values itself.
/// </summary>
internal static class CollectivesScenario
{
    public const int ReduceLength = 37;
    public const int ChunkLength = 5;

    private static readonly (string Name, ScalarType Type)[] Types =
    [
        ("float32", ScalarType.Float32), ("bfloat16", ScalarType.BFloat16), ("float16", ScalarType.Float16),
        ("int64", ScalarType.Int64),
    ];

    public static int Run(string outputDirectory, int maxElementsPerCall)
    {
        torch.set_num_threads(1);
        using var group = MpiProcessGroup.Create();
        group.MaxElementsPerCall = maxElementsPerCall;
        var cases = new Dictionary<string, Dictionary<string, double[]>>();
        foreach (var (typeName, type) in Types)
        {
            foreach (var asynchronous in new[] { false, true })
            {
                var prefix = $"{typeName}/{(asynchronous ? "async" : "blocking")}/";
                foreach (var (name, result) in RunCases(group, type, asynchronous))
                {
                    cases[prefix + name] = result;
                }
            }
        }
        group.Barrier();
        var report = new Dictionary<string, object>
        {
            ["rank"] = group.Rank,
            ["world"] = group.WorldSize,
            ["local_rank"] = group.LocalRank,
            ["local_world"] = group.LocalWorldSize,
            ["cases"] = cases,
        };
        File.WriteAllText(Path.Combine(outputDirectory, $"rank{group.Rank}.json"), JsonSerializer.Serialize(report));
        return 0;
    }

    /// <summary>
    /// Starts all cases of one dtype, then (async) waits for them in order of issue; inputs are captured before
    /// and outputs after the collective.
    /// </summary>
    private static List<(string Name, Dictionary<string, double[]> Result)> RunCases(
        MpiProcessGroup group, ScalarType type, bool asynchronous)
    {
        using var scope = NewDisposeScope();
        var world = group.WorldSize;
        var rank = group.Rank;
        var pending = new List<(string Name, double[] Input, Tensor Output, CommWork Work)>();

        void Add(string name, Tensor input, Tensor output, Func<CommWork> start)
        {
            var before = Values(input);
            var work = start();
            if (!asynchronous)
            {
                work.Wait();
            }
            pending.Add((name, before, output, work));
        }

        var floating = type != ScalarType.Int64;
        var sum = Input(type, rank, 0, ReduceLength);
        Add("all_reduce_sum", sum, sum, () => group.AllReduceAsync(sum, ReduceOp.Sum));
        if (floating)
        {
            var avg = Input(type, rank, 1, ReduceLength);
            Add("all_reduce_avg", avg, avg, () => group.AllReduceAsync(avg, ReduceOp.Avg));
        }
        if (type is ScalarType.BFloat16 or ScalarType.Float16)
        {
            // Values that are not sums of exactly representable parts: checks the rounding of the 16-bit reductions.
            var inexact = tensor(Enumerable.Range(0, ReduceLength).Select(i => i * 0.0137 + 1 + 0.37 * rank).ToArray()).to(type);
            Add("all_reduce_sum_rounding", inexact, inexact, () => group.AllReduceAsync(inexact, ReduceOp.Sum));
        }
        var max = Input(type, rank, 2, ReduceLength);
        Add("all_reduce_max", max, max, () => group.AllReduceAsync(max, ReduceOp.Max));

        var scatterInput = Input(type, rank, 3, world * ChunkLength);
        var scatterOutput = zeros(ChunkLength, type);
        Add("reduce_scatter", scatterInput, scatterOutput, () => group.ReduceScatterAsync(scatterInput, scatterOutput));
        var scatterBuffer = Input(type, rank, 4, world * ChunkLength);
        var ownChunk = scatterBuffer.narrow(0, rank * ChunkLength, ChunkLength);
        Add("reduce_scatter_inplace", scatterBuffer, ownChunk, () => group.ReduceScatterAsync(scatterBuffer, ownChunk));

        var gatherInput = Input(type, rank, 5, ChunkLength);
        var gatherOutput = zeros(world * ChunkLength, type);
        Add("all_gather", gatherInput, gatherOutput, () => group.AllGatherAsync(gatherInput, gatherOutput));
        var gatherBuffer = zeros(world * ChunkLength, type);
        var gatherChunk = gatherBuffer.narrow(0, rank * ChunkLength, ChunkLength);
        gatherChunk.copy_(Input(type, rank, 6, ChunkLength));
        Add("all_gather_inplace", gatherChunk, gatherBuffer, () => group.AllGatherAsync(gatherChunk, gatherBuffer));

        var broadcast = Input(type, rank, 7, ReduceLength);
        Add("broadcast", broadcast, broadcast, () => group.BroadcastAsync(broadcast, root: world - 1));

        if (asynchronous)
        {
            // A blocking collective issued while asynchronous ones are pending runs after them, in issue order.
            var behind = Input(type, rank, 8, ReduceLength);
            var before = Values(behind);
            group.AllReduce(behind, ReduceOp.Sum);
            pending.Add(("all_reduce_sum_behind_async", before, behind, CommWork.Completed));
        }
        var barrier = group.BarrierAsync();
        var results = new List<(string, Dictionary<string, double[]>)>();
        foreach (var (name, input, output, work) in pending)
        {
            work.Wait();
            results.Add((name, new Dictionary<string, double[]> { ["input"] = input, ["output"] = Values(output) }));
        }
        barrier.Wait();
        return results;
    }

    /// <summary>
    /// Rank- and case-dependent values in steps of 0.5 with |x| &lt;= 4 (rank + 1): sums over three ranks are exact in
    /// bf16 and fp16. int64 adds 3e9 x (rank + 1) so that sums need 64 bits.
    /// </summary>
    private static Tensor Input(ScalarType type, int rank, int caseIndex, long length)
    {
        var values = new double[length];
        for (var i = 0; i < length; i++)
        {
            values[i] = ((i * 7 + rank * 3 + caseIndex) % 17 - 8) * 0.5 * (rank + 1);
        }
        return type == ScalarType.Int64
            ? tensor(values.Select(v => (long)(v * 2) + 3_000_000_000L * (rank + 1)).ToArray())
            : tensor(values).to(type);
    }

    private static double[] Values(Tensor tensor) => tensor.to(ScalarType.Float64).data<double>().ToArray();
}
