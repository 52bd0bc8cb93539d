using static SharpSpeed.Tests.Cli.CliRunner;

namespace SharpSpeed.Tests.Cli;

public sealed class CommandLineTests
{
    [Fact]
    public void HelpListsEveryCommandOfTheContract()
    {
        var (exitCode, output, _) = Run("--help");
        Assert.Equal(0, exitCode);
        foreach (var command in new[]
                 { "train", "launch", "estimate", "generate", "tokenize", "convert", "init-model", "prepare", "bench" })
        {
            Assert.Contains($"  {command} ", output);
        }
    }

    [Fact]
    public void UnknownCommandFails()
    {
        var (exitCode, _, error) = Run("frobnicate");
        Assert.NotEqual(0, exitCode);
        Assert.Contains("frobnicate", error);
    }
}
