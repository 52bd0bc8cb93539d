using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SharpSpeed.Comm;
using static TorchSharp.torch;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// `sharpspeed bench comm`: nccl-tests-style bandwidth table of all_reduce / reduce_scatter / all_gather through
/// SharpSpeed's process group. Run it under launch: `sharpspeed launch --nproc_per_node 2 bench comm`.
/// </summary>
internal static class BenchCommCommand
{
    private static readonly Option<string> Backend = new("--backend")
    {
        Description = "Process group backend: auto, mpi, nccl.",
        DefaultValueFactory = _ => "auto",
    };

    private static readonly Option<string> MinBytes = new("--min_bytes", "-b")
    {
        Description = "Smallest message (bytes; K, M, G suffixes).",
        DefaultValueFactory = _ => "1K",
    };

    private static readonly Option<string> MaxBytes = new("--max_bytes", "-e")
    {
        Description = "Largest message (bytes; K, M, G suffixes).",
        DefaultValueFactory = _ => "64M",
    };

    private static readonly Option<int> Factor = new("--step_factor", "-f")
    {
        Description = "Multiply the size by this factor between measurements.",
        DefaultValueFactory = _ => 4,
    };

    private static readonly Option<string> DataType = new("--dtype")
    {
        Description = "float32, bfloat16 or float16.",
        DefaultValueFactory = _ => "float32",
    };

    private static readonly Option<int> Iterations = new("--iters", "-n")
    {
        Description = "Timed calls per size (nccl-tests' -n).",
        DefaultValueFactory = _ => 20,
    };

    private static readonly Option<int> Warmup = new("--warmup_iters", "-w")
    {
        Description = "Untimed calls first (nccl-tests' -w).",
        DefaultValueFactory = _ => 5,
    };

    private static readonly Option<bool> Json = new("--json") { Description = "Print one JSON object (rank 0) instead of the table." };

    public static Command Create()
    {
        var command = new Command("comm", "Collective bus bandwidth (nccl-tests' algbw/busbw) over message sizes; run under launch.")
        {
            Backend, MinBytes, MaxBytes, Factor, DataType, Iterations, Warmup, Json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var sizes = Sizes(Bytes(parse.GetValue(MinBytes)!, "--min_bytes"), Bytes(parse.GetValue(MaxBytes)!, "--max_bytes"),
                parse.GetValue(Factor));
            var type = parse.GetValue(DataType) switch
            {
                "float32" => ScalarType.Float32,
                "bfloat16" => ScalarType.BFloat16,
                "float16" => ScalarType.Float16,
                var other => throw new ArgumentException($"--dtype {other}: use float32, bfloat16 or float16"),
            };
            RankThreads.Apply();
            return ProcessGroups.Create(parse.GetValue(Backend)!).RunAndDispose(group =>
            {
                var results = CommBenchmark.Run(group, sizes, type, parse.GetValue(Warmup), parse.GetValue(Iterations));
                if (group.Rank == 0)
                {
                    Print(output, group, parse.GetValue(DataType)!, results, parse.GetValue(Json));
                }
                return 0;
            });
        });
        return command;
    }

    private static void Print(TextWriter output, ProcessGroup group, string dtype, IReadOnlyList<CommMeasurement> results, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new Dictionary<string, object>
            {
                ["world_size"] = group.WorldSize,
                ["backend"] = group.Backend,
                ["dtype"] = dtype,
                ["results"] = results.Select(r => new Dictionary<string, object>
                {
                    ["op"] = r.Operation, ["bytes"] = r.Bytes, ["count"] = r.Count, ["iterations"] = r.Iterations,
                    ["time_us"] = Math.Round(r.TimeMicroseconds, 2), ["algbw_gbps"] = Math.Round(r.AlgorithmGBps, 4),
                    ["busbw_gbps"] = Math.Round(r.BusGBps, 4),
                }).ToArray(),
            }));
            return;
        }
        output.WriteLine($"# SharpSpeed bench comm: {group.WorldSize} ranks, backend {group.Backend}, {dtype}; GB/s = 1e9 bytes/s");
        output.WriteLine($"{"op",-15}{"size (B)",14}{"count",14}{"time (us)",12}{"algbw",10}{"busbw",10}");
        foreach (var r in results)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{r.Operation,-15}{r.Bytes,14}{r.Count,14}{r.TimeMicroseconds,12:F1}{r.AlgorithmGBps,10:F3}{r.BusGBps,10:F3}"));
        }
    }

    private static List<long> Sizes(long min, long max, int factor)
    {
        if (min < 1 || max < min || factor < 2)
        {
            throw new ArgumentException($"sizes {min}..{max} bytes with factor {factor}: need 1 <= min <= max and factor >= 2");
        }
        var sizes = new List<long>();
        for (var size = min; size <= max; size *= factor)
        {
            sizes.Add(size);
        }
        return sizes;
    }

    private static long Bytes(string text, string option)
    {
        var multiplier = char.ToUpperInvariant(text[^1]) switch { 'K' => 1L << 10, 'M' => 1L << 20, 'G' => 1L << 30, _ => 1L };
        var digits = multiplier == 1 ? text : text[..^1];
        return long.TryParse(digits, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value > 0
            ? value * multiplier
            : throw new ArgumentException($"{option} {text}: not a size in bytes (e.g. 1024, 64K, 128M)");
    }
}
