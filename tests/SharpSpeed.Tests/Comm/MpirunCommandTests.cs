using SharpSpeed.Cli.Commands;
using SharpSpeed.Comm.Launch;

namespace SharpSpeed.Tests.Comm;

/// <summary>The mpirun command line `launch` builds from torchrun's flags and the machine it runs on.</summary>
public sealed class MpirunCommandTests
{
    private static readonly string[] Train = ["dotnet", "cli.dll", "train", "--max_steps", "10"];

    private static MachineFacts Machine(int cores, bool root, params (string Name, string Value)[] variables) =>
        new(cores, root, name => variables.FirstOrDefault(v => v.Name == name).Value);

    [Fact]
    public void ThreeRanksOnTwoCoresAsRootOversubscribeWithOneThreadEach()
    {
        var command = MpirunCommand.Plan(new LaunchRequest(Train) { NprocPerNode = 3 }, Machine(2, root: true));
        Assert.Equal(
            ["--allow-run-as-root", "--oversubscribe", "-np", "3", "--bind-to", "none", "-x", "TERM", "-x", "OMP_NUM_THREADS", "-x", "SHARPSPEED_NUM_THREADS", "-x", "MASTER_ADDR", "-x", "MASTER_PORT",
             "dotnet", "cli.dll", "train", "--max_steps", "10"],
            command.Arguments);
        Assert.Equal(3, command.WorldSize);
        Assert.Equal("1", command.Environment["SHARPSPEED_NUM_THREADS"]);
        Assert.Equal("1", command.Environment["OMP_NUM_THREADS"]);
        Assert.Equal("dumb", command.Environment["TERM"]);
        Assert.False(command.Environment.ContainsKey("OMP_WAIT_POLICY")); // each rank sets its bounded spin itself
        Assert.False(command.Environment.ContainsKey("GOMP_SPINCOUNT"));
        Assert.Equal("self,vader", command.Environment["OMPI_MCA_btl"]);
        Assert.Equal("none", command.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"]);
    }

    [Fact]
    public void EnoughCoresAndNoRootNeedNeitherFlagAndSplitTheCores()
    {
        var command = MpirunCommand.Plan(new LaunchRequest(Train) { NprocPerNode = 4 }, Machine(16, root: false));
        Assert.DoesNotContain("--allow-run-as-root", command.Arguments);
        Assert.DoesNotContain("--oversubscribe", command.Arguments);
        Assert.Equal(4, command.ThreadsPerRank);
        Assert.Equal("4", command.Environment["SHARPSPEED_NUM_THREADS"]);
    }

    [Fact]
    public void UserSettingsOfThreadsAndTransportsWin()
    {
        var command = MpirunCommand.Plan(
            new LaunchRequest(Train) { NprocPerNode = 2 },
            Machine(8, root: false, ("OMP_NUM_THREADS", "3"), ("OMPI_MCA_btl", "self,tcp"), ("OMP_WAIT_POLICY", "ACTIVE"),
                ("GOMP_SPINCOUNT", "500")));
        Assert.Equal(3, command.ThreadsPerRank);
        Assert.Equal("ACTIVE", command.Environment["OMP_WAIT_POLICY"]);
        Assert.Equal("500", command.Environment["GOMP_SPINCOUNT"]);
        Assert.Contains("GOMP_SPINCOUNT", command.Arguments);
        Assert.False(command.Environment.ContainsKey("OMPI_MCA_btl"));
    }

    [Fact]
    public void RestartsOfTrainResumeFromTheLatestCheckpoint()
    {
        var request = new LaunchRequest(Train) { WrapsTrain = true, MaxRestarts = 2 };
        Assert.Equal(Train, MpirunCommand.Plan(request, Machine(2, false)).Arguments.TakeLast(Train.Length));
        Assert.Equal(
            [.. Train, "--resume_from_checkpoint", "auto"],
            MpirunCommand.Plan(request, Machine(2, false), attempt: 1).Arguments.TakeLast(Train.Length + 2));
        var other = new LaunchRequest(["sh", "-c", "exit 1"]) { MaxRestarts = 2 };
        Assert.Equal(["sh", "-c", "exit 1"], MpirunCommand.Plan(other, Machine(2, false), attempt: 1).Arguments.TakeLast(3));
    }

    [Fact]
    public void MultiNodeRunsOneMpirunOverTheHostfile()
    {
        var hostfile = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(hostfile, ["# two nodes", "node-a slots=4", "", "node-b slots=2   # the small one"]);
            var command = MpirunCommand.Plan(
                new LaunchRequest(Train) { NprocPerNode = 3, Nnodes = 2, Hostfile = hostfile }, Machine(8, false));
            Assert.Equal(6, command.WorldSize);
            Assert.Equal(["--oversubscribe", "-np", "6", "--hostfile", hostfile, "--npernode", "3"], command.Arguments.Take(7));
            Assert.Equal("self,vader,tcp", command.Environment["OMPI_MCA_btl"]);
        }
        finally
        {
            File.Delete(hostfile);
        }
    }

    [Fact]
    public void MultiNodeWithoutHostfileOrOffTheFirstNodeIsExplained()
    {
        var noHostfile = Assert.Throws<ArgumentException>(() =>
            MpirunCommand.Plan(new LaunchRequest(Train) { Nnodes = 2 }, Machine(2, false)));
        Assert.StartsWith("--nnodes 2 needs --hostfile", noHostfile.Message);
        var secondNode = Assert.Throws<ArgumentException>(() =>
            MpirunCommand.Plan(new LaunchRequest(Train) { NodeRank = 1 }, Machine(2, false)));
        Assert.StartsWith("--node_rank 1: SharpSpeed's launch runs once, on the first node", secondNode.Message);
    }

    [Fact]
    public void HostfileErrorsNameFileAndLine()
    {
        var hostfile = Path.GetTempFileName();
        try
        {
            File.WriteAllLines(hostfile, ["node-a slots=2", "node-b slots=two"]);
            var error = Assert.Throws<FormatException>(() => Hostfile.Read(hostfile));
            Assert.Equal($"hostfile {hostfile} line 2: 'slots=two' is not slots=N with N >= 1 (expected `hostname slots=N`)", error.Message);
        }
        finally
        {
            File.Delete(hostfile);
        }
    }

    [Fact]
    public void UnknownLaunchOptionsAreRefusedNotPassedToTheRanks()
    {
        var error = new StringWriter();
        var exitCode = SharpSpeed.Cli.SharpSpeedCommandLine.Run(
            ["launch", "--rdzv_backend", "c10d", "--nproc_per_node", "2", "train"], TextWriter.Null, error);
        Assert.Equal(2, exitCode);
        Assert.StartsWith("sharpspeed launch: unknown option(s) --rdzv_backend c10d; launch takes --nproc_per_node", error.ToString());
    }

    [Theory]
    [InlineData("launch --nproc_per_node 2 train --help", "launch --nproc_per_node 2 -- train --help")]
    [InlineData("launch --nproc_per_node=2 --no_python sh -c x", "launch --nproc_per_node=2 --no_python -- sh -c x")]
    [InlineData("launch --nproc_per_node 2 -- --help", "launch --nproc_per_node 2 -- --help")]
    [InlineData("launch --help", "launch --help")]
    [InlineData("launch --standalone --nproc_per_node 3 train", "launch --standalone --nproc_per_node 3 -- train")]
    [InlineData("train --nproc_per_node 2", "train --nproc_per_node 2")]
    public void TheRanksCommandIsNeverParsedAsLaunchOptions(string given, string parsed) =>
        Assert.Equal(parsed.Split(' '), LaunchCommand.SeparateRankCommand(given.Split(' ')));
}
