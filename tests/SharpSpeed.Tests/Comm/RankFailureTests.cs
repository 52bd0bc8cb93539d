using SharpSpeed.Comm;
using SharpSpeed.Comm.Launch;

namespace SharpSpeed.Tests.Comm;

/// <summary>Turning OpenMPI 4.1's reports (captured from real mpirun runs) into one line naming the rank.</summary>
public sealed class RankFailureTests
{
    private static string? Summarise(int exitCode, params string[] lines)
    {
        var failure = new RankFailure();
        foreach (var line in lines)
        {
            failure.Observe(line);
        }
        return failure.Finish(exitCode) ?? failure.Summary;
    }

    [Fact]
    public void SignalDeath()
    {
        Assert.Equal(
            "rank 1 (node vm) died on signal 9 (Killed); mpirun stopped the other ranks",
            Summarise(137,
                "--------------------------------------------------------------------------",
                "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed).",
                "--------------------------------------------------------------------------"));
    }

    [Fact]
    public void NonZeroExit()
    {
        Assert.Equal(
            "rank 2 exited with code 7; mpirun stopped the other ranks",
            Summarise(7,
                "Primary job  terminated normally, but 1 process returned",
                "a non-zero exit code. Per user-direction, the job has been aborted.",
                "mpirun detected that one or more processes exited with non-zero status, thus causing",
                "the job to be terminated. The first process to do so was:",
                "",
                "  Process name: [[1509,1],2]",
                "  Exit code:    7"));
    }

    [Fact]
    public void UnnamedFailureStillGetsALine()
    {
        Assert.StartsWith(
            "the job failed with exit code 7; mpirun did not name the rank",
            Summarise(7, "Primary job  terminated normally, but 1 process returned",
                "a non-zero exit code. Per user-direction, the job has been aborted."));
        Assert.Null(Summarise(0, "all good"));
    }

    [Fact]
    public void RanksNameThemselvesOnlyInMultiRankJobs()
    {
        Func<string, string?> rank1of3 = name => name switch
        {
            "OMPI_COMM_WORLD_RANK" => "1", "OMPI_COMM_WORLD_SIZE" => "3", _ => null,
        };
        Assert.Equal("sharpspeed: rank 1 of 3 exits with code 4", RankExit.Describe(4, rank1of3));
        Assert.Null(RankExit.Describe(0, rank1of3));
        Assert.Null(RankExit.Describe(4, _ => null));
    }
}
