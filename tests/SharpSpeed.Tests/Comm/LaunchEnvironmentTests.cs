using SharpSpeed.Comm;

namespace SharpSpeed.Tests.Comm;

public sealed class LaunchEnvironmentTests
{
    private static Func<string, string?> Variables(params (string Name, string Value)[] pairs) =>
        name => pairs.FirstOrDefault(p => p.Name == name).Value;

    [Fact]
    public void ReadsOpenMpiRanks()
    {
        var environment = LaunchEnvironment.Detect(Variables(
            ("OMPI_COMM_WORLD_RANK", "5"), ("OMPI_COMM_WORLD_SIZE", "6"),
            ("OMPI_COMM_WORLD_LOCAL_RANK", "2"), ("OMPI_COMM_WORLD_LOCAL_SIZE", "3"),
            ("RANK", "0"), ("WORLD_SIZE", "1")));
        Assert.Equal(Launcher.OpenMpi, environment.Launcher);
        Assert.Equal(new RankInfo(5, 6, 2, 3), environment.Ranks);
    }

    [Fact]
    public void ReadsTorchrunRanks()
    {
        var environment = LaunchEnvironment.Detect(Variables(
            ("RANK", "1"), ("WORLD_SIZE", "3"), ("LOCAL_RANK", "1"), ("LOCAL_WORLD_SIZE", "3")));
        Assert.Equal(Launcher.Torchrun, environment.Launcher);
        Assert.Equal(new RankInfo(1, 3, 1, 3), environment.Ranks);
    }

    [Fact]
    public void WithoutLauncherVariablesIsOneProcess()
    {
        var environment = LaunchEnvironment.Detect(Variables());
        Assert.Equal(Launcher.None, environment.Launcher);
        Assert.Equal(RankInfo.OneProcess, environment.Ranks);
    }

    [Theory]
    [InlineData("RANK", "x", "WORLD_SIZE", "2", "environment variable RANK='x' is not a non-negative integer")]
    [InlineData("RANK", "2", "WORLD_SIZE", "2", "environment variable RANK=2 is not below WORLD_SIZE=2")]
    [InlineData("RANK", "0", "WORLD_SIZE", "0", "environment variable WORLD_SIZE=0: the world size must be >= 1")]
    public void BadValuesNameTheVariable(string rankName, string rank, string sizeName, string size, string message)
    {
        var error = Assert.Throws<InvalidOperationException>(() =>
            LaunchEnvironment.Detect(Variables((rankName, rank), (sizeName, size))));
        Assert.Equal(message, error.Message);
    }

    [Fact]
    public void MissingWorldSizeIsNamed()
    {
        var error = Assert.Throws<InvalidOperationException>(() => LaunchEnvironment.Detect(Variables(("OMPI_COMM_WORLD_RANK", "0"))));
        Assert.Equal("environment variable OMPI_COMM_WORLD_SIZE is missing", error.Message);
    }
}
