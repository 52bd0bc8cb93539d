namespace SharpSpeed.Comm;

/// <summary>
/// The line a rank of a launched job prints when it exits non-zero, so that the log names the failed rank even when
/// mpirun's own report does not.
/// </summary>
public static class RankExit
{
    /// <summary>"sharpspeed: rank R of W exits with code C", or null outside a multi-rank job or on success.</summary>
    public static string? Describe(int exitCode, Func<string, string?> variable)
    {
        if (exitCode == 0)
        {
            return null;
        }
        LaunchEnvironment environment;
        try
        {
            environment = LaunchEnvironment.Detect(variable);
        }
        catch (InvalidOperationException)
        {
            return null; // malformed launcher variables were reported when the run started
        }
        return environment.Ranks.WorldSize > 1
            ? $"sharpspeed: rank {environment.Ranks.Rank} of {environment.Ranks.WorldSize} exits with code {exitCode}"
            : null;
    }
}
