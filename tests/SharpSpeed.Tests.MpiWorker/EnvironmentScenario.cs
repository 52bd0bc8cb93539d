using System.Text.Json;
using SharpSpeed.Comm;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>Reports what a rank sees: its ranks from the group and the launcher's environment variables.</summary>
internal static class EnvironmentScenario
{
    private static readonly string[] Variables =
    [
        "SHARPSPEED_NUM_THREADS", "OMP_NUM_THREADS", "OMP_WAIT_POLICY", "TERM", "MASTER_ADDR", "MASTER_PORT",
        "OMPI_COMM_WORLD_LOCAL_SIZE",
    ];

    public static int Run(string outputDirectory)
    {
        using var group = ProcessGroups.Create("mpi");
        var report = new Dictionary<string, object?>
        {
            ["rank"] = group.Rank,
            ["world"] = group.WorldSize,
            ["local_rank"] = group.LocalRank,
            ["local_world"] = group.LocalWorldSize,
            ["arguments"] = Environment.GetCommandLineArgs().Skip(1).ToArray(),
            ["env"] = Variables.ToDictionary(name => name, Environment.GetEnvironmentVariable),
        };
        File.WriteAllText(Path.Combine(outputDirectory, $"rank{group.Rank}.json"), JsonSerializer.Serialize(report));
        group.Barrier();
        return 0;
    }
}
