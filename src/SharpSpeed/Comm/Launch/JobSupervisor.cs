using System.Diagnostics;
using System.Runtime.InteropServices;

namespace SharpSpeed.Comm.Launch;

/// <summary>
/// Runs a job under mpirun, relays its output, names the rank that brought it down, and restarts it up to
/// --max_restarts times. mpirun itself ends every rank when one dies, so a dead rank never leaves the job hanging;
/// the job's exit status is mpirun's (a rank's exit code, or 128 + signal). Nothing outlives the launcher: mpirun
/// and every rank carry SIGKILL as their parent-death signal (<see cref="MachineFacts.DyingWithParent"/>), so even
/// kill -9 of launch ends the job; SIGTERM or SIGINT stop mpirun (which stops the ranks) and launch exits 143 / 130.
/// </summary>
public sealed class JobSupervisor(TextWriter output, TextWriter error)
{
    private const int SigInt = 2;
    private const int SigTerm = 15;

    private readonly Lock _writing = new();
    private int _stopSignal;

    public int Run(LaunchRequest request, MachineFacts machine, CancellationToken cancellation = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        for (var attempt = 0; ; attempt++)
        {
            var command = MpirunCommand.Plan(request, machine, attempt);
            if (attempt == 0)
            {
                error.WriteLine(
                    $"sharpspeed launch: {command.WorldSize} rank(s), {command.ThreadsPerRank} thread(s) each: " +
                    $"{MpirunCommand.Program} {string.Join(' ', command.Arguments)}");
            }
            var exitCode = RunOnce(command, machine, cancellation);
            if (_stopSignal != 0)
            {
                error.WriteLine($"sharpspeed launch: stopped by signal {_stopSignal} ({(_stopSignal == SigInt ? "SIGINT" : "SIGTERM")}); every rank was stopped");
                return 128 + _stopSignal;
            }
            if (exitCode == 0 || cancellation.IsCancellationRequested)
            {
                return exitCode;
            }
            if (attempt >= request.MaxRestarts)
            {
                if (request.MaxRestarts > 0)
                {
                    error.WriteLine($"sharpspeed launch: the job failed after {attempt} restart(s); giving up (exit {exitCode})");
                }
                return exitCode;
            }
            error.WriteLine(
                $"sharpspeed launch: the job failed (exit {exitCode}); restart {attempt + 1} of {request.MaxRestarts}" +
                (request.WrapsTrain ? ", resuming from the latest checkpoint" : ""));
        }
    }

    private int RunOnce(MpirunCommand command, MachineFacts machine, CancellationToken cancellation)
    {
        // The parent-death signal fires when the thread that started mpirun ends: this runs on the launcher's
        // main thread (the CLI's command action), which lives as long as the launcher.
        var commandLine = machine.DyingWithParent([MpirunCommand.Program, .. command.Arguments]);
        if (machine.Setpriv is not null && MachineFacts.FindOnPath(MpirunCommand.Program) is null)
        {
            throw new InvalidOperationException(
                "sharpspeed launch needs OpenMPI's mpirun on PATH; install it (Debian: apt-get install openmpi-bin libopenmpi-dev)");
        }
        var info = new ProcessStartInfo(commandLine[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in commandLine.Skip(1))
        {
            info.ArgumentList.Add(argument);
        }
        foreach (var (name, value) in command.Environment)
        {
            info.Environment[name] = value;
        }
        Process process;
        try
        {
            process = Process.Start(info)!;
        }
        catch (System.ComponentModel.Win32Exception missing)
        {
            throw new InvalidOperationException(
                $"sharpspeed launch needs OpenMPI's mpirun on PATH ({missing.Message}); install it (Debian: apt-get " +
                "install openmpi-bin libopenmpi-dev)", missing);
        }
        using (process)
        {
            var failure = new RankFailure();
            var relayOutput = Relay(process.StandardOutput, output, failure);
            var relayError = Relay(process.StandardError, error, failure);
            // Ask mpirun to stop (it forwards SIGTERM to the ranks) when our caller or a signal cancels the run.
            using var onCancel = cancellation.Register(() => Terminate(process));
            using var onSigTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
            {
                context.Cancel = true;
                _stopSignal = SigTerm;
                Terminate(process);
            });
            using var onSigInt = PosixSignalRegistration.Create(PosixSignal.SIGINT, context =>
            {
                context.Cancel = true;
                _stopSignal = SigInt;
                Terminate(process);
            });
            process.WaitForExit();
            Task.WaitAll(relayOutput, relayError);
            if (_stopSignal == 0 && failure.Finish(process.ExitCode) is { } summary)
            {
                error.WriteLine($"sharpspeed launch: {summary}");
            }
            return process.ExitCode;
        }
    }

    /// <summary>
    /// Relays one of mpirun's streams without its boxed banners (the failing rank and why get one line instead, see
    /// <see cref="RankFailure"/>). At the end of the stream, a box cut off is relayed as it
    /// was, and when no rank was named, each box mpirun printed still says why in one line.
    /// </summary>
    private Task Relay(StreamReader source, TextWriter target, RankFailure failure) => Task.Run(() =>
    {
        var banners = new MpirunBanners();
        while (source.ReadLine() is { } line)
        {
            lock (_writing)
            {
                if (!banners.Hides(line))
                {
                    target.WriteLine(line);
                }
                if (failure.Observe(line) is { } summary)
                {
                    error.WriteLine($"sharpspeed launch: {summary}");
                }
                target.Flush();
            }
        }
        lock (_writing)
        {
            foreach (var line in banners.Unclosed())
            {
                target.WriteLine(line);
            }
            foreach (var gist in failure.Summary is null ? banners.Gists : [])
            {
                error.WriteLine($"sharpspeed launch: mpirun: {gist}");
            }
        }
    });

    private static void Terminate(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                _ = NativeMethods.kill(process.Id, SigTerm);
            }
        }
        catch (InvalidOperationException)
        {
            // The process ended between the check and the signal: nothing left to stop.
        }
    }

    private static class NativeMethods
    {
        [DllImport("libc.so.6", SetLastError = true)]
        public static extern int kill(int pid, int signal);
    }
}
