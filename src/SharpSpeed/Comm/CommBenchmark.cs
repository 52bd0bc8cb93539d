using System.Diagnostics;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Comm;

/// <summary>One measured collective at one message size, in nccl-tests' terms.</summary>
/// <param name="Bytes">The message size nccl-tests reports: the whole buffer (all_gather's output, reduce_scatter's input).</param>
/// <param name="TimeMicroseconds">Mean time of one call, the slowest rank's.</param>
/// <param name="AlgorithmGBps">algbw = bytes / time (GB = 1e9 bytes).</param>
/// <param name="BusGBps">busbw = algbw x 2(n-1)/n for all_reduce, x (n-1)/n for reduce_scatter and all_gather.</param>
public sealed record CommMeasurement(
    string Operation, long Bytes, long Count, int Iterations, double TimeMicroseconds, double AlgorithmGBps, double BusGBps);

/// <summary>
/// Bus bandwidth of all_reduce, reduce_scatter and all_gather through our process group, measured as nccl-tests
/// does (nccl-tests' defaults: 5 warm-up calls, then the mean of 20 timed calls, busbw from the algorithm's traffic), so its numbers
/// compare with nccl-tests and with bench/comm_bench.c, which makes the same MPI calls from C: all_reduce and
/// all_gather in place (as DDP and ZeRO use them), reduce_scatter from the whole buffer into a separate chunk.
/// </summary>
public static class CommBenchmark
{
    public static readonly IReadOnlyList<string> Operations = ["all_reduce", "reduce_scatter", "all_gather"];

    public static IReadOnlyList<CommMeasurement> Run(
        ProcessGroup group, IReadOnlyList<long> sizesInBytes, ScalarType type = ScalarType.Float32, int warmup = 5,
        int iterations = 20)
    {
        ArgumentNullException.ThrowIfNull(group);
        ArgumentNullException.ThrowIfNull(sizesInBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(iterations, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(warmup);
        var results = new List<CommMeasurement>();
        var elementSize = type == ScalarType.Float32 ? 4 : 2;
        foreach (var operation in Operations)
        {
            foreach (var bytes in sizesInBytes)
            {
                // Whole chunks per rank: the size nccl-tests would round to.
                var count = Math.Max(group.WorldSize, bytes / elementSize / group.WorldSize * group.WorldSize);
                var seconds = Measure(group, operation, count, type, warmup, iterations);
                var actualBytes = count * elementSize;
                var algbw = actualBytes / seconds / 1e9;
                results.Add(new CommMeasurement(operation, actualBytes, count, iterations, seconds * 1e6, algbw,
                    algbw * BusFactor(operation, group.WorldSize)));
            }
        }
        return results;
    }

    /// <summary>nccl-tests' bus bandwidth factors (doc/PERFORMANCE.md).</summary>
    public static double BusFactor(string operation, int ranks) => operation switch
    {
        "all_reduce" => 2.0 * (ranks - 1) / ranks,
        "reduce_scatter" or "all_gather" => (ranks - 1) / (double)ranks,
        _ => throw new ArgumentException($"no bus factor for {operation}", nameof(operation)),
    };

    private static double Measure(ProcessGroup group, string operation, long count, ScalarType type, int warmup, int iterations)
    {
        using var scope = NewDisposeScope();
        var buffer = ones(count, type);
        var chunkCount = count / group.WorldSize;
        var chunk = buffer.narrow(0, group.Rank * chunkCount, chunkCount);
        var scattered = zeros(chunkCount, type);
        void Call()
        {
            switch (operation)
            {
                case "all_reduce":
                    group.AllReduce(buffer);
                    break;
                case "reduce_scatter":
                    group.ReduceScatter(buffer, scattered);
                    break;
                default:
                    group.AllGather(chunk, buffer);
                    break;
            }
        }
        for (var i = 0; i < warmup; i++)
        {
            Call();
        }
        group.Barrier();
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < iterations; i++)
        {
            Call();
        }
        var seconds = clock.Elapsed.TotalSeconds / iterations;
        // The slowest rank's time, as every rank waits for it.
        var time = tensor(new[] { (float)seconds });
        group.AllReduce(time, ReduceOp.Max);
        return time.item<float>();
    }
}
