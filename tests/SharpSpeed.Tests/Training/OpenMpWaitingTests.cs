using System.Diagnostics;
using SharpSpeed.Tests.Comm;

namespace SharpSpeed.Tests.Training;

/// <summary>The sharpspeed executable sets OpenMP's bounded spin itself, and a user's own waiting setting wins.</summary>
public sealed class OpenMpWaitingTests
{
    private static readonly string[] OneStep =
    [
        "bench", "train", "--vocab_size", "64", "--hidden_size", "32", "--num_layers", "1", "--num_heads", "2",
        "--intermediate_size", "64", "--seq_length", "16", "--batch_size", "2", "--steps", "1", "--warmup", "0", "--threads", "1",
    ];

    [Fact]
    public async Task WithoutUserSettingsEachProcessSpinsBrieflyAndSaysSo()
    {
        var error = await RunCli(policy: null);
        Assert.Contains("OpenMP waiting: workers spin 10,000 iterations for the next operation, then sleep", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task TheUsersWaitPolicyWins()
    {
        var error = await RunCli(policy: "PASSIVE");
        Assert.Contains("OpenMP waiting: as the environment sets it (OMP_WAIT_POLICY=PASSIVE)", error, StringComparison.Ordinal);
    }

    private static async Task<string> RunCli(string? policy)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll"), .. OneStep])
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment.Remove("OMP_WAIT_POLICY");
        info.Environment.Remove("GOMP_SPINCOUNT");
        if (policy is not null)
        {
            info.Environment["OMP_WAIT_POLICY"] = policy;
        }
        using var process = Process.Start(info)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(MpiJob.Timeout);
        await process.WaitForExitAsync(deadline.Token);
        Assert.True(process.ExitCode == 0, await output + await error);
        return await error;
    }
}
