using System.Globalization;
using SharpSpeed.Comm.Launch;
using TorchSharp;

namespace SharpSpeed.Comm;

/// <summary>
/// The thread budget `sharpspeed launch` gives each rank (cores / local ranks, in SHARPSPEED_NUM_THREADS): ranks
/// that each used every core would fight over them and collapse throughput.
/// </summary>
public static class RankThreads
{
    /// <summary>The budget from the environment, or null when the process was not started by launch.</summary>
    public static int? FromEnvironment(Func<string, string?> variable)
    {
        ArgumentNullException.ThrowIfNull(variable);
        var text = variable(MpirunCommand.ThreadsVariable);
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }
        return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var threads) && threads > 0
            ? threads
            : throw new InvalidOperationException(
                $"environment variable {MpirunCommand.ThreadsVariable}='{text}' is not a positive thread count");
    }

    /// <summary>Gives libtorch the budget of this rank, if launch set one; returns the thread count in use.</summary>
    public static int Apply()
    {
        if (FromEnvironment(Environment.GetEnvironmentVariable) is { } threads)
        {
            torch.set_num_threads(threads);
        }
        return torch.get_num_threads();
    }
}
