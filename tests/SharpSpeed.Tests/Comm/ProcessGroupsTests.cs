using SharpSpeed.Comm;
using TorchSharp;

namespace SharpSpeed.Tests.Comm;

/// <summary>The backend factory: what it picks, and the one-line refusals (MPI itself is tested under mpirun).</summary>
public sealed class ProcessGroupsTests
{
    private static readonly LaunchEnvironment Alone = new(Launcher.None, RankInfo.OneProcess);

    [Fact]
    public void AutoWithOneProcessIsTheSingleGroup()
    {
        using var group = ProcessGroups.Create("auto", Alone);
        Assert.Equal("single", group.Backend);
    }

    [Fact]
    public void TorchrunEnvironmentWithoutMpirunSaysToUseLaunch()
    {
        var torchrun = new LaunchEnvironment(Launcher.Torchrun, new RankInfo(1, 3, 1, 3));
        var error = Assert.Throws<InvalidOperationException>(() => ProcessGroups.Create("mpi", torchrun));
        Assert.Contains("rank 1 of 3", error.Message);
        Assert.Contains("sharpspeed launch --nproc_per_node", error.Message);
    }

    [Fact]
    public void SingleBackendRefusesAMultiRankJob()
    {
        var mpirun = new LaunchEnvironment(Launcher.OpenMpi, new RankInfo(0, 2, 0, 2));
        var error = Assert.Throws<InvalidOperationException>(() => ProcessGroups.Create("single", mpirun));
        Assert.Equal("backend single cannot run rank 0 of a 2-process job: use mpi or nccl", error.Message);
    }

    [Fact]
    public void UnknownBackendListsTheKnownOnes()
    {
        var error = Assert.Throws<ArgumentException>(() => ProcessGroups.Create("gloo", Alone));
        Assert.StartsWith("process group backend 'gloo' is not known: use auto, single, mpi, nccl", error.Message);
    }

    [Fact]
    public void NcclWithoutAGpuSaysToUseMpiInOneLine()
    {
        if (torch.cuda.is_available())
        {
            return; // a CUDA build on a GPU machine: the nccl backend can start here (it would need mpirun)
        }
        var error = Assert.Throws<InvalidOperationException>(() => ProcessGroups.Create("nccl", Alone));
        Assert.DoesNotContain('\n', error.Message);
        Assert.EndsWith("use --ddp_backend mpi", error.Message);
    }
}
