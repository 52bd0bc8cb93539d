using System.Text.Json;
using SharpSpeed.Tests.Comm;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// Runs the engine parity scenario once per world size under real mpirun (all runs of a world size in one job, to pay
/// the process start-up once) and keeps every rank's reports.
/// </summary>
public sealed class EngineParityFixture
{
    public static readonly IReadOnlyDictionary<int, string[]> Runs = new Dictionary<int, string[]>
    {
        [2] = ["s0-a1-fp32", "s0-a4-fp32", "s1-a1-fp32", "s1-a4-fp32", "s2-a1-fp32", "s2-a4-fp32",
            "s0-a4-fp32-overlap", "s1-a1-fp32-big", "s2-a4-bf16", "s2-a4-fp16",
            "s3-a1-fp32", "s3-a4-fp32-overlap", "s3-a2-fp32-offopt-offparam", "s2-a2-fp32-offopt", "s1-a2-fp32-noscatter-nogather",
            "s2-a2-fp32-prescale", "s0-a2-fp32-predivide", "s3-a2-bf16"],
        [3] = ["s0-a1-fp32", "s0-a4-fp32", "s1-a1-fp32", "s1-a4-fp32", "s2-a1-fp32", "s2-a4-fp32",
            "s2-a1-fp32-overlap", "s2-a4-fp32-big", "s1-a4-bf16", "s0-a1-fp16",
            "s3-a1-fp32", "s3-a2-fp32-overlap-offopt-offparam", "s2-a1-fp32-offopt", "s3-a2-fp32-nogather-noscatter"],
    };

    private readonly Dictionary<int, IReadOnlyList<JsonElement>> _reports = [];
    private readonly Lock _lock = new();

    /// <summary>Every rank's report of <paramref name="run"/> at <paramref name="world"/> ranks.</summary>
    internal IReadOnlyList<EngineRunReport> Reports(int world, string run) =>
        [.. RawReports(world).Select(r => EngineRunReport.FromJson(r.GetProperty("runs").GetProperty(run)))];

    /// <summary>Every rank's rankN.json of the job at <paramref name="world"/> ranks (the job runs on first use).</summary>
    internal IReadOnlyList<JsonElement> RawReports(int world)
    {
        lock (_lock)
        {
            if (!_reports.TryGetValue(world, out var ranks))
            {
                ranks = MpiJob.Run(world, "engine", TimeSpan.FromMinutes(10), Runs[world]);
                _reports[world] = ranks;
            }
            return ranks;
        }
    }
}

/// <summary>One parity fixture (two mpirun jobs) shared by every test class that reads it.</summary>
[CollectionDefinition(Name)]
public sealed class EngineParityGroup : ICollectionFixture<EngineParityFixture>
{
    public const string Name = "engine parity";
}
