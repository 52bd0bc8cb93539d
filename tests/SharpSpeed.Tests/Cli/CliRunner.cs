using SharpSpeed.Cli;

namespace SharpSpeed.Tests.Cli;

/// <summary>Runs the `sharpspeed` command tree in-process and captures what it writes.</summary>
internal static class CliRunner
{
    public static (int ExitCode, string Output, string Error) Run(params string[] args)
    {
        var output = new StringWriter();
        var error = new StringWriter();
        var exitCode = SharpSpeedCommandLine.Run(args, output, error);
        return (exitCode, output.ToString(), error.ToString());
    }
}
