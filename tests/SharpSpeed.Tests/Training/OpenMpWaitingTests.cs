using SharpSpeed.Tests.Cli;

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
        var (exitCode, output, error) = await LaunchedCli.RunAsync(environment =>
        {
            environment.Remove("OMP_WAIT_POLICY");
            environment.Remove("GOMP_SPINCOUNT");
            if (policy is not null)
            {
                environment["OMP_WAIT_POLICY"] = policy;
            }
        }, OneStep);
        Assert.True(exitCode == 0, output + error);
        return error;
    }
}
