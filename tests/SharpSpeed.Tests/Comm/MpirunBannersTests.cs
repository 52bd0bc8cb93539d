using SharpSpeed.Comm.Launch;

namespace SharpSpeed.Tests.Comm;

/// <summary>OpenMPI 4.1's boxed reports (as mpirun prints them) hidden, with the failing rank and its reason in one line.</summary>
public sealed class MpirunBannersTests
{
    private const string Rule = "--------------------------------------------------------------------------";

    private static readonly string[] FailedRun =
    [
        "step 1 loss 8.1",
        "sharpspeed train (rank 1): ds_config.json: \"zero_optimisation\" is not a DeepSpeed key; did you mean \"zero_optimization\"?",
        Rule,
        "Primary job  terminated normally, but 1 process returned",
        "a non-zero exit code. Per user-direction, the job has been aborted.",
        Rule,
        Rule,
        "mpirun detected that one or more processes exited with non-zero status, thus causing",
        "the job to be terminated. The first process to do so was:",
        "",
        "  Process name: [[1509,1],1]",
        "  Exit code:    1",
        Rule,
        "[vm:01234] 1 more process has sent help message help-mpi-api.txt / mpi-abort",
        "[vm:01234] Set MCA parameter \"orte_base_help_aggregate\" to 0 to see all help / error messages",
    ];

    [Fact]
    public void BoxesAreHiddenAndTheFailingRankIsNamedWithItsReason()
    {
        var banners = new MpirunBanners();
        var failure = new RankFailure();
        var shown = new List<string>();
        foreach (var line in FailedRun)
        {
            if (!banners.Hides(line))
            {
                shown.Add(line);
            }
            failure.Observe(line);
        }
        Assert.Equal(FailedRun[..2], shown);
        Assert.Empty(banners.Unclosed());
        Assert.Equal(
            "rank 1 exited with code 1 (ds_config.json: \"zero_optimisation\" is not a DeepSpeed key; did you mean " +
            "\"zero_optimization\"?); mpirun stopped the other ranks",
            failure.Summary);
    }

    [Fact]
    public void ABoxThatNamesNoRankIsKeptAsItsFirstParagraph()
    {
        var banners = new MpirunBanners();
        string[] lines =
        [
            Rule,
            "There are not enough slots available in the system to satisfy the 8",
            "slots that were requested by the application:",
            "",
            "  dotnet",
            "",
            "Either request fewer slots for your application, or make more slots",
            "available for use.",
            Rule,
        ];
        Assert.All(lines, line => Assert.True(banners.Hides(line)));
        Assert.Equal(
            ["There are not enough slots available in the system to satisfy the 8 slots that were requested by the application:"],
            banners.Gists);
    }

    [Fact]
    public void AnAbortAndABoxCutOffAreReported()
    {
        var failure = new RankFailure();
        failure.Observe("MPI_ABORT was invoked on rank 2 in communicator MPI_COMM_WORLD");
        Assert.Null(failure.Summary);
        failure.Observe("MPI_ABORT was invoked on rank 2 in communicator MPI_COMM_WORLD with errorcode 3.");
        Assert.Equal("rank 2 called MPI_Abort with error code 3; mpirun stopped the other ranks", failure.Summary);

        var banners = new MpirunBanners();
        Assert.True(banners.Hides(Rule));
        Assert.True(banners.Hides("mpirun was killed"));
        Assert.Equal([Rule, "mpirun was killed"], banners.Unclosed());
    }
}
