using System.Collections.Concurrent;
using System.Text.Json;

namespace SharpSpeed.Tests.Comm;

/// <summary>
/// Runs each multi-rank job of the collectives tests once (they take seconds) and shares the rank reports:
/// "2" and "3" ranks, and "2-chunked": 2 ranks with MPI calls limited to 3 elements, so every buffer goes
/// through the path that splits counts above 2^31 - 1.
/// </summary>
public sealed class MpiCollectivesFixture
{
    public const int ChunkedLimit = 3;

    private readonly ConcurrentDictionary<string, Lazy<IReadOnlyList<JsonElement>>> _jobs = new();

    public IReadOnlyList<JsonElement> Reports(string setup) =>
        _jobs.GetOrAdd(setup, key => new Lazy<IReadOnlyList<JsonElement>>(() => key switch
        {
            "2" => MpiJob.Run(2, "collectives"),
            "3" => MpiJob.Run(3, "collectives"),
            "2-chunked" => MpiJob.Run(2, "collectives", ChunkedLimit.ToString(System.Globalization.CultureInfo.InvariantCulture)),
            _ => throw new ArgumentException($"unknown setup {key}", nameof(setup)),
        })).Value;
}
