using System.Text.Json;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Comm;

/// <summary>
/// Every collective of the MPI backend, for every dtype, blocking and asynchronous, at 2 and 3 real mpirun ranks
/// (and with 3-element MPI calls): each rank's output is checked against values computed here from all ranks'
/// reported inputs — sums and maxima in double, and for 16-bit rounding, libtorch's own bf16/fp16 addition.
/// </summary>
public sealed class MpiCollectivesTests(MpiCollectivesFixture fixture) : IClassFixture<MpiCollectivesFixture>
{
    public static TheoryData<string, string, string> Combinations()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var setup in new[] { "2", "3", "2-chunked" })
        {
            foreach (var type in new[] { "float32", "bfloat16", "float16", "int64" })
            {
                foreach (var mode in new[] { "blocking", "async" })
                {
                    data.Add(setup, type, mode);
                }
            }
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Combinations))]
    public void EveryCollectiveMatchesTheReduction(string setup, string type, string mode)
    {
        var reports = fixture.Reports(setup);
        var world = reports.Count;
        Assert.All(reports, (report, rank) =>
        {
            Assert.Equal(rank, report.GetProperty("rank").GetInt32());
            Assert.Equal(world, report.GetProperty("world").GetInt32());
            Assert.Equal(rank, report.GetProperty("local_rank").GetInt32());
            Assert.Equal(world, report.GetProperty("local_world").GetInt32());
        });
        var prefix = $"{type}/{mode}/";
        var cases = new List<string> { "all_reduce_sum", "all_reduce_max", "reduce_scatter", "reduce_scatter_inplace",
            "all_gather", "all_gather_inplace", "broadcast" };
        if (type != "int64")
        {
            cases.Add("all_reduce_avg");
        }
        if (type is "bfloat16" or "float16")
        {
            cases.Add("all_reduce_sum_rounding");
        }
        if (mode == "async")
        {
            cases.Add("all_reduce_sum_behind_async");
        }
        foreach (var name in cases)
        {
            var inputs = reports.Select(r => Values(r, prefix + name, "input")).ToArray();
            for (var rank = 0; rank < world; rank++)
            {
                var output = Values(reports[rank], prefix + name, "output");
                var expected = Expected(name, type, inputs, rank);
                AssertClose(expected, output, Tolerance(name, type, world), $"{prefix}{name} at rank {rank} of {world}");
            }
        }
    }

    private static double[] Expected(string name, string type, double[][] inputs, int rank)
    {
        var world = inputs.Length;
        var length = inputs[0].Length;
        double[] Sum() => Enumerable.Range(0, length).Select(i => inputs.Sum(input => input[i])).ToArray();
        double[] OwnChunk(double[] whole) => whole.Skip(rank * whole.Length / world).Take(whole.Length / world).ToArray();
        return name switch
        {
            "all_reduce_sum" or "all_reduce_sum_behind_async" => Sum(),
            "all_reduce_sum_rounding" when world == 2 => LibTorchSum(type, inputs[0], inputs[1]),
            "all_reduce_sum_rounding" => Sum(),
            "all_reduce_avg" => Sum().Select(v => v / world).ToArray(),
            "all_reduce_max" => Enumerable.Range(0, length).Select(i => inputs.Max(input => input[i])).ToArray(),
            "reduce_scatter" or "reduce_scatter_inplace" => OwnChunk(Sum()),
            "all_gather" or "all_gather_inplace" => inputs.SelectMany(input => input).ToArray(),
            "broadcast" => inputs[world - 1],
            _ => throw new ArgumentException($"no expectation for {name}", nameof(name)),
        };
    }

    /// <summary>With two ranks a 16-bit sum is one rounded addition: exactly what libtorch's bf16/fp16 add gives.</summary>
    private static double[] LibTorchSum(string type, double[] a, double[] b)
    {
        using var scope = NewDisposeScope();
        var scalarType = type == "bfloat16" ? ScalarType.BFloat16 : ScalarType.Float16;
        var sum = tensor(a).to(scalarType).add(tensor(b).to(scalarType), HeldScalars.One);
        return sum.to(ScalarType.Float64).data<double>().ToArray();
    }

    /// <summary>
    /// Relative tolerances: inputs are halves chosen so that sums are exact in every dtype; avg adds one rounding
    /// of the division (half an ulp); with three ranks the rounding case rounds at each of two additions.
    /// </summary>
    private static double Tolerance(string name, string type, int world)
    {
        var ulp = type switch { "bfloat16" => Math.Pow(2, -8), "float16" => Math.Pow(2, -11), "float32" => Math.Pow(2, -24), _ => 0 };
        return name switch
        {
            "all_reduce_avg" => ulp,
            "all_reduce_sum_rounding" when world > 2 => 2 * ulp,
            _ => 0,
        };
    }

    private static void AssertClose(double[] expected, double[] actual, double relative, string what)
    {
        Assert.True(expected.Length == actual.Length, $"{what}: {actual.Length} values, expected {expected.Length}");
        for (var i = 0; i < expected.Length; i++)
        {
            var allowed = relative * Math.Abs(expected[i]);
            Assert.True(Math.Abs(expected[i] - actual[i]) <= allowed,
                $"{what}: element {i} is {actual[i]}, expected {expected[i]} (tolerance {allowed})");
        }
    }

    private static double[] Values(JsonElement report, string name, string field)
    {
        Assert.True(report.GetProperty("cases").TryGetProperty(name, out var entry), $"the worker did not report case {name}");
        return entry.GetProperty(field).EnumerateArray().Select(v => v.GetDouble()).ToArray();
    }
}
