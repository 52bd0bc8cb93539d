namespace SharpSpeed.Comm;

/// <summary>Where this process sits in a job: global rank and world size, and the same within its node.</summary>
public sealed record RankInfo(int Rank, int WorldSize, int LocalRank, int LocalWorldSize)
{
    public static RankInfo OneProcess { get; } = new(0, 1, 0, 1);
}
