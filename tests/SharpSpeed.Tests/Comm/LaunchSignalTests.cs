using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;

namespace SharpSpeed.Tests.Comm;

/// <summary>
/// Nothing outlives `sharpspeed launch`: kill -9 of the launcher takes mpirun and every rank down; SIGTERM and SIGINT
/// stop every rank and the launcher exits 143 / 130. Real launcher, real mpirun, the worker's "hold" ranks.
/// </summary>
public sealed class LaunchSignalTests : IDisposable
{
    private const int SigInt = 2;
    private const int SigTerm = 15;
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(20);

    private readonly string _directory = Directory.CreateTempSubdirectory("sharpspeed-signals-").FullName;
    private Process? _launcher;

    public void Dispose()
    {
        if (_launcher is { HasExited: false })
        {
            _launcher.Kill(entireProcessTree: true);
        }
        _launcher?.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    /// <summary>Starts a 2-rank hold job and returns the pids of mpirun and of both ranks once they are all running.</summary>
    private async Task<(int Mpirun, int[] Ranks)> StartJobAsync()
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll"), "launch", "--nproc_per_node", "2", "--no_python",
                     "dotnet", MpiJob.WorkerDll, "hold", _directory,
                 })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _launcher = Process.Start(info)!;
        _ = _launcher.StandardOutput.ReadToEndAsync();
        _ = _launcher.StandardError.ReadToEndAsync();
        var started = Stopwatch.StartNew();
        var pidFiles = new[] { 0, 1 }.Select(rank => Path.Combine(_directory, $"rank{rank}.pid")).ToArray();
        while (!pidFiles.All(File.Exists))
        {
            Assert.True(started.Elapsed < MpiJob.Timeout && !_launcher.HasExited, "the job did not start");
            await Task.Delay(200);
        }
        await Task.Delay(500); // the pid is written before the file is closed: let both finish
        var ranks = pidFiles.Select(f => int.Parse(File.ReadAllText(f), CultureInfo.InvariantCulture)).ToArray();
        var mpirun = Children(_launcher.Id).Single(pid => File.ReadAllText($"/proc/{pid}/comm").Trim() == "mpirun");
        return (mpirun, ranks);
    }

    private static IEnumerable<int> Children(int parent) =>
        Directory.EnumerateDirectories("/proc")
            .Select(Path.GetFileName)
            .Where(name => name!.All(char.IsAsciiDigit))
            .Select(name => int.Parse(name!, CultureInfo.InvariantCulture))
            .Where(pid => Stat(pid) is { } stat && stat.Parent == parent);

    /// <summary>State and parent of a process from /proc/pid/stat, or null once it is gone.</summary>
    private static (char State, int Parent)? Stat(int pid)
    {
        try
        {
            var text = File.ReadAllText($"/proc/{pid}/stat");
            var fields = text[(text.LastIndexOf(')') + 2)..].Split(' ');
            return (fields[0][0], int.Parse(fields[1], CultureInfo.InvariantCulture));
        }
        catch (IOException)
        {
            return null;
        }
    }

    /// <summary>Gone, or a zombie waiting for a reaper (it runs no code any more).</summary>
    private static bool Ended(int pid) => Stat(pid) is not { } stat || stat.State is 'Z' or 'X';

    private static async Task AssertAllEndAsync(IEnumerable<int> pids)
    {
        var clock = Stopwatch.StartNew();
        var remaining = pids.ToList();
        while (remaining.Any(pid => !Ended(pid)))
        {
            Assert.True(clock.Elapsed < Grace, $"still running {Grace.TotalSeconds} s after the launcher was stopped: " +
                                                string.Join(", ", remaining.Where(pid => !Ended(pid))));
            await Task.Delay(200);
        }
    }

    [Fact]
    public void EveryRankAndMpirunAreStartedWithAParentDeathSignal()
    {
        var machine = new SharpSpeed.Comm.Launch.MachineFacts(4, false, _ => null, "/usr/bin/setpriv");
        var command = SharpSpeed.Comm.Launch.MpirunCommand.Plan(
            new SharpSpeed.Comm.Launch.LaunchRequest(["sh", "-c", "exit 0"]) { NprocPerNode = 2 }, machine);
        Assert.Equal(["/usr/bin/setpriv", "--pdeathsig", "KILL", "--", "sh", "-c", "exit 0"], command.Arguments.TakeLast(7));
        Assert.Equal(["sh"], new SharpSpeed.Comm.Launch.MachineFacts(4, false, _ => null).DyingWithParent(["sh"]));
    }

    [Fact]
    public async Task KillMinus9OfLaunchTakesMpirunAndEveryRankDown()
    {
        var (mpirun, ranks) = await StartJobAsync();
        _launcher!.Kill(); // SIGKILL: the launcher runs no code of its own after this
        await AssertAllEndAsync([mpirun, .. ranks]);
    }

    [Theory]
    [InlineData(SigTerm, 143)]
    [InlineData(SigInt, 130)]
    public async Task SigTermOrSigIntStopsEveryRankAndExits128PlusTheSignal(int signal, int exitCode)
    {
        var (mpirun, ranks) = await StartJobAsync();
        Assert.Equal(0, Kill(_launcher!.Id, signal));
        using var deadline = new CancellationTokenSource(Grace);
        await _launcher.WaitForExitAsync(deadline.Token);
        Assert.Equal(exitCode, _launcher.ExitCode);
        await AssertAllEndAsync([mpirun, .. ranks]);
    }

    [Fact]
    public async Task SigTermDuringTrainingLeavesLatestNamingAnIntactCheckpoint()
    {
        var output = Path.Combine(_directory, "run");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll"), "launch", "--nproc_per_node", "2", "train",
                     "--model_name_or_path", SharpSpeed.Tests.Training.SmallTrainingModel.Folder, "--output_dir", output,
                     "--max_steps", "100000", "--per_device_train_batch_size", "2", "--max_seq_length", "64",
                     "--logging_steps", "1", "--save_steps", "1", "--report_to", "none",
                 })
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        _launcher = Process.Start(info)!;
        var log = _launcher.StandardError.ReadToEndAsync();
        _ = _launcher.StandardOutput.ReadToEndAsync();
        var latest = Path.Combine(output, "latest");
        var clock = Stopwatch.StartNew();
        while (!File.Exists(latest))
        {
            Assert.True(clock.Elapsed < MpiJob.Timeout && !_launcher.HasExited, "no checkpoint was saved");
            await Task.Delay(100);
        }
        // Checkpoints are saved every step: the signal lands during or between saves.
        await Task.Delay(Random.Shared.Next(300, 1500));
        Assert.Equal(0, Kill(_launcher.Id, SigTerm));
        using var deadline = new CancellationTokenSource(Grace);
        await _launcher.WaitForExitAsync(deadline.Token);
        Assert.True(_launcher.ExitCode == 143, await log);

        var named = Path.Combine(output, File.ReadAllText(latest).Trim());
        SharpSpeed.Training.Checkpoints.CheckpointManifest.Verify(named);
        foreach (var (_, path) in new SharpSpeed.Training.Checkpoints.CheckpointDirectory(output).List())
        {
            SharpSpeed.Training.Checkpoints.CheckpointManifest.Verify(path);
        }
    }

    private static int Kill(int pid, int signal) => NativeMethods.kill(pid, signal);

    private static class NativeMethods
    {
        [DllImport("libc.so.6", SetLastError = true)]
        public static extern int kill(int pid, int signal);
    }
}
