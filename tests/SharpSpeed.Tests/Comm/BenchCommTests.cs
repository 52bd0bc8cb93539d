using System.Text.Json;
using SharpSpeed.Tests.Cli;

namespace SharpSpeed.Tests.Comm;

/// <summary>`launch --nproc_per_node 2 bench comm --json` measures every collective at every size, in nccl-tests' terms.</summary>
public sealed class BenchCommTests
{
    [Fact]
    public async Task ReportsAlgorithmAndBusBandwidthOfEachCollective()
    {
        var (exitCode, output, error) = await LaunchedCli.RunAsync(
            "launch", "--nproc_per_node", "2", "bench", "comm", "-b", "1K", "-e", "4K", "-f", "4", "-n", "3", "-w", "1", "--json");
        Assert.True(exitCode == 0, output + error);

        var report = JsonDocument.Parse(output.Trim()).RootElement; // rank 0 prints one JSON object, nothing else
        Assert.Equal(2, report.GetProperty("world_size").GetInt32());
        Assert.Equal("mpi", report.GetProperty("backend").GetString());
        var results = report.GetProperty("results").EnumerateArray().ToList();
        Assert.Equal(
            [("all_reduce", 1024L), ("all_reduce", 4096L), ("reduce_scatter", 1024L), ("reduce_scatter", 4096L),
             ("all_gather", 1024L), ("all_gather", 4096L)],
            results.Select(r => (r.GetProperty("op").GetString()!, r.GetProperty("bytes").GetInt64())));
        foreach (var result in results)
        {
            var bytes = result.GetProperty("bytes").GetInt64();
            Assert.Equal(bytes / 4, result.GetProperty("count").GetInt64());
            var seconds = result.GetProperty("time_us").GetDouble() / 1e6;
            Assert.True(seconds > 0);
            var algbw = result.GetProperty("algbw_gbps").GetDouble();
            Assert.Equal(bytes / seconds / 1e9, algbw, 0.01 * algbw + 1e-4);
            // nccl-tests with n = 2: busbw = algbw x 2(n-1)/n = algbw for all_reduce, algbw / 2 for the others.
            var factor = result.GetProperty("op").GetString() == "all_reduce" ? 1.0 : 0.5;
            Assert.Equal(algbw * factor, result.GetProperty("busbw_gbps").GetDouble(), 1e-3 * algbw + 1e-4);
        }
    }
}
