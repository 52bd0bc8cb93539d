namespace SharpSpeed.Comm.Launch;

/// <summary>
/// What `sharpspeed launch` was asked for, in torchrun's terms. <see cref="RankCommand"/> is the program every rank
/// runs (for `launch ... train ARGS`: dotnet, the CLI's dll, train, ARGS).
/// </summary>
public sealed record LaunchRequest(IReadOnlyList<string> RankCommand)
{
    public int NprocPerNode { get; init; } = 1;

    /// <summary>Null: one node, or as many as the hostfile lists.</summary>
    public int? Nnodes { get; init; }

    public int NodeRank { get; init; }

    public string MasterAddr { get; init; } = "127.0.0.1";

    public int MasterPort { get; init; } = 29500;

    public string? Hostfile { get; init; }

    public int MaxRestarts { get; init; }

    /// <summary>True when the ranks run SharpSpeed's `train`: restarts then resume from the latest checkpoint.</summary>
    public bool WrapsTrain { get; init; }
}
