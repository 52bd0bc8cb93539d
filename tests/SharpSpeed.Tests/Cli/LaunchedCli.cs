using System.Diagnostics;
using SharpSpeed.Tests.Comm;

namespace SharpSpeed.Tests.Cli;

/// <summary>Runs the built `sharpspeed` CLI as a real process (e.g. `launch --nproc_per_node 2 ...`) and captures what it writes.</summary>
internal static class LaunchedCli
{
    public static Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] args) =>
        RunAsync(environment => environment["OMP_WAIT_POLICY"] = "PASSIVE", args);

    /// <summary>As <see cref="RunAsync(string[])"/>, with the child's environment edited by <paramref name="environment"/>.</summary>
    public static async Task<(int ExitCode, string Output, string Error)> RunAsync(Action<IDictionary<string, string?>> environment, params string[] args)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll"), .. args])
        {
            info.ArgumentList.Add(argument);
        }
        environment(info.Environment);
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using (var deadline = new CancellationTokenSource(MpiJob.Timeout))
        {
            try
            {
                await process.WaitForExitAsync(deadline.Token);
            }
            finally
            {
                if (!process.HasExited)
                {
                    process.Kill(entireProcessTree: true);
                }
            }
        }
        return (process.ExitCode, await output, await error);
    }
}
