using SharpSpeed.Cli;

namespace SharpSpeed.Tests.Cli;

public sealed class CommandLineTests
{
    private static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = SharpSpeedCommandLine.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }

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
