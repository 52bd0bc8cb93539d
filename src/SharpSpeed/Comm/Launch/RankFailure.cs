using System.Text.RegularExpressions;

namespace SharpSpeed.Comm.Launch;

/// <summary>
/// Recognises OpenMPI's reports of a failed rank in mpirun's output and says which rank failed and how, in one line,
/// with the rank's own last error line (SharpSpeed's commands end with "sharpspeed CMD (rank N): why") when it gave one.
/// </summary>
public sealed partial class RankFailure
{
    private readonly Dictionary<int, string> _reasons = [];
    private int? _exitedRank;

    /// <summary>The line to print once mpirun reported a failed rank, else null.</summary>
    public string? Summary { get; private set; }

    /// <summary>Reads one line of mpirun's output; returns the summary when this line completes a report.</summary>
    public string? Observe(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        var said = RankSaysPattern().Match(line);
        if (said.Success)
        {
            _reasons[int.Parse(said.Groups["rank"].Value, System.Globalization.CultureInfo.InvariantCulture)] = said.Groups["why"].Value;
            return null;
        }
        var abort = AbortPattern().Match(line);
        if (abort.Success)
        {
            var aborted = int.Parse(abort.Groups["rank"].Value, System.Globalization.CultureInfo.InvariantCulture);
            return Report($"rank {aborted} called MPI_Abort with error code {abort.Groups["code"].Value}{Why(aborted)}; " +
                          "mpirun stopped the other ranks");
        }
        var signal = SignalPattern().Match(line);
        if (signal.Success)
        {
            return Report($"rank {signal.Groups["rank"].Value} (node {signal.Groups["node"].Value}) died on signal " +
                          $"{signal.Groups["signal"].Value} ({signal.Groups["name"].Value}); mpirun stopped the other ranks");
        }
        var process = ProcessNamePattern().Match(line);
        if (process.Success)
        {
            _exitedRank = int.Parse(process.Groups["rank"].Value, System.Globalization.CultureInfo.InvariantCulture);
            return null;
        }
        var exit = ExitCodePattern().Match(line);
        if (exit.Success && _exitedRank is { } rank)
        {
            return Report($"rank {rank} exited with code {exit.Groups["code"].Value}{Why(rank)}; mpirun stopped the other ranks");
        }
        return null;
    }

    /// <summary>
    /// After mpirun ended with <paramref name="exitCode"/>: the line to print when it failed without naming a rank
    /// (mpirun sometimes reports only that "1 process returned a non-zero exit code"), else null.
    /// </summary>
    public string? Finish(int exitCode) =>
        exitCode == 0 || Summary is not null
            ? null
            : Report($"the job failed with exit code {exitCode}; mpirun did not name the rank (see the ranks' own " +
                     "messages above: SharpSpeed ranks name themselves when they fail)");

    private string Why(int rank) => _reasons.TryGetValue(rank, out var why) ? $" ({why})" : "";

    private string? Report(string summary)
    {
        if (Summary is not null)
        {
            return null;
        }
        Summary = summary;
        return summary;
    }

    // "mpirun noticed that process rank 1 with PID 0 on node vm exited on signal 9 (Killed)."
    [GeneratedRegex(@"process rank (?<rank>\d+) with PID \d+ on node (?<node>\S+) exited on signal (?<signal>\d+) \((?<name>[^)]*)\)")]
    private static partial Regex SignalPattern();

    // "sharpspeed train (rank 1): <message>", a SharpSpeed rank's own last line.
    [GeneratedRegex(@"^sharpspeed [a-z-]+(?: [a-z-]+)? \(rank (?<rank>\d+)\): (?<why>.+)$")]
    private static partial Regex RankSaysPattern();

    // "MPI_ABORT was invoked on rank 1 in communicator MPI_COMM_WORLD with errorcode 3."
    [GeneratedRegex(@"MPI_ABORT was invoked on rank (?<rank>\d+) in communicator \S+\s+with errorcode (?<code>-?\d+)")]
    private static partial Regex AbortPattern();

    // "  Process name: [[1509,1],1]" then "  Exit code:    7"
    [GeneratedRegex(@"^\s*Process name:\s*\[\[\d+,\d+\],(?<rank>\d+)\]")]
    private static partial Regex ProcessNamePattern();

    [GeneratedRegex(@"^\s*Exit code:\s*(?<code>-?\d+)")]
    private static partial Regex ExitCodePattern();
}
