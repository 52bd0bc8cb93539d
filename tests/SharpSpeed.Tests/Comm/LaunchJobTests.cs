using System.Diagnostics;
using System.Text.Json;

namespace SharpSpeed.Tests.Comm;

/// <summary>`sharpspeed launch` as a user runs it: a real CLI process starting real mpirun jobs.</summary>
public sealed class LaunchJobTests
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll");

    private static ProcessStartInfo CliProcess(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Cli);
        foreach (var argument in arguments)
        {
            info.ArgumentList.Add(argument);
        }
        info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
        return info;
    }

    [Fact]
    public void RanksGetTheirRankThreadsAndUntouchedArguments()
    {
        var directory = Directory.CreateTempSubdirectory("sharpspeed-launch-").FullName;
        try
        {
            var (exitCode, output) = MpiJob.RunToEnd(CliProcess(
                "launch", "--nproc_per_node", "3", "--master_port", "29555", "--no_python",
                "dotnet", MpiJob.WorkerDll, "environment", directory, "--nproc_per_node", "7"), MpiJob.Timeout);
            Assert.True(exitCode == 0, output);
            for (var rank = 0; rank < 3; rank++)
            {
                var report = JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, $"rank{rank}.json"))).RootElement;
                Assert.Equal((rank, 3, rank, 3),
                    (report.GetProperty("rank").GetInt32(), report.GetProperty("world").GetInt32(),
                     report.GetProperty("local_rank").GetInt32(), report.GetProperty("local_world").GetInt32()));
                var environment = report.GetProperty("env");
                var threads = Math.Max(1, Environment.ProcessorCount / 3).ToString(System.Globalization.CultureInfo.InvariantCulture);
                Assert.Equal(threads, environment.GetProperty("SHARPSPEED_NUM_THREADS").GetString());
                Assert.Equal(threads, environment.GetProperty("OMP_NUM_THREADS").GetString());
                Assert.Equal("dumb", environment.GetProperty("TERM").GetString());
                Assert.Equal("PASSIVE", environment.GetProperty("OMP_WAIT_POLICY").GetString());
                Assert.Equal("29555", environment.GetProperty("MASTER_PORT").GetString());
                Assert.Equal(["environment", directory, "--nproc_per_node", "7"],
                    report.GetProperty("arguments").EnumerateArray().Select(a => a.GetString()!));
            }
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void HostfileOfThisMachineRunsItsSlots()
    {
        var directory = Directory.CreateTempSubdirectory("sharpspeed-launch-").FullName;
        try
        {
            var hostfile = Path.Combine(directory, "hostfile");
            File.WriteAllText(hostfile, "localhost slots=2\n");
            var (exitCode, output) = MpiJob.RunToEnd(CliProcess(
                "launch", "--nnodes", "1", "--nproc_per_node", "2", "--hostfile", hostfile, "--no_python",
                "dotnet", MpiJob.WorkerDll, "environment", directory), MpiJob.Timeout);
            Assert.True(exitCode == 0, output);
            Assert.True(File.Exists(Path.Combine(directory, "rank0.json")) && File.Exists(Path.Combine(directory, "rank1.json")), output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void TheJobExitsWithTheFailingRanksCodeAndNamesIt()
    {
        var (exitCode, output) = MpiJob.RunToEnd(CliProcess(
            "launch", "--nproc_per_node", "2", "--no_python",
            "sh", "-c", "if [ \"$OMPI_COMM_WORLD_RANK\" = 1 ]; then exit 7; fi; sleep 60"), TimeSpan.FromSeconds(45));
        Assert.True(exitCode == 7, output);
        // mpirun usually names the rank; when it does not (a race in its report), launch says so in one line.
        Assert.True(
            output.Contains("sharpspeed launch: rank 1 exited with code 7", StringComparison.Ordinal) ||
            output.Contains("sharpspeed launch: the job failed with exit code 7; mpirun did not name the rank", StringComparison.Ordinal),
            output);
        // mpirun's boxed help text is hidden: the one line above says it all.
        Assert.DoesNotContain("------------------------------------------------------------", output, StringComparison.Ordinal);
    }

    [Fact]
    public void MaxRestartsRunsTheJobAgainThenGivesUp()
    {
        var directory = Directory.CreateTempSubdirectory("sharpspeed-launch-").FullName;
        try
        {
            var attempts = Path.Combine(directory, "attempts");
            var (exitCode, output) = MpiJob.RunToEnd(CliProcess(
                "launch", "--nproc_per_node", "2", "--max_restarts", "2", "--no_python",
                "sh", "-c", $"echo started >> {attempts}; exit 5"), MpiJob.Timeout);
            Assert.Equal(5, exitCode);
            Assert.Equal(6, File.ReadAllLines(attempts).Length); // 3 attempts x 2 ranks
            Assert.Contains("restart 1 of 2", output);
            Assert.Contains("restart 2 of 2", output);
            Assert.Contains("the job failed after 2 restart(s); giving up (exit 5)", output);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void ARankThatThrowsWhileItsPeersWaitEndsTheJob()
    {
        // Before ProcessGroup.Abandon the failing rank hung in MPI_Finalize, waiting for peers that waited for it.
        var directory = Directory.CreateTempSubdirectory("sharpspeed-launch-").FullName;
        try
        {
            var (exitCode, output) = MpiJob.RunToEnd(CliProcess(
                "launch", "--nproc_per_node", "3", "--no_python", "dotnet", MpiJob.WorkerDll, "failing-rank", directory),
                TimeSpan.FromSeconds(90));
            Assert.True(Enumerable.Range(0, 3).All(rank => File.Exists(Path.Combine(directory, $"rank{rank}.started"))), output);
            Assert.NotEqual(0, exitCode);
            Assert.Contains("rank 1 fails on purpose", output, StringComparison.Ordinal);
            Assert.DoesNotContain("passed a barrier that rank 1 never reached", output, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public async Task KillingOneRankEndsTheJobWithinSecondsNamingTheRank()
    {
        var directory = Directory.CreateTempSubdirectory("sharpspeed-launch-").FullName;
        using var launcher = Process.Start(CliProcess(
            "launch", "--nproc_per_node", "3", "--no_python", "dotnet", MpiJob.WorkerDll, "hold", directory))!;
        var output = launcher.StandardOutput.ReadToEndAsync();
        var error = launcher.StandardError.ReadToEndAsync();
        try
        {
            var pidFile = Path.Combine(directory, "rank1.pid");
            var started = Stopwatch.StartNew();
            while (!Enumerable.Range(0, 3).All(rank => File.Exists(Path.Combine(directory, $"rank{rank}.pid"))))
            {
                Assert.True(started.Elapsed < MpiJob.Timeout && !launcher.HasExited, "the job did not start");
                await Task.Delay(200);
            }
            await Task.Delay(500); // the pid is written before the first barrier: let the ranks enter the loop
            using (var rank1 = Process.GetProcessById(int.Parse(File.ReadAllText(pidFile), System.Globalization.CultureInfo.InvariantCulture)))
            {
                rank1.Kill(); // SIGKILL
            }
            var killed = Stopwatch.StartNew();
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            await launcher.WaitForExitAsync(deadline.Token);
            Assert.True(killed.Elapsed < TimeSpan.FromSeconds(30));
            Assert.NotEqual(0, launcher.ExitCode);
            var messages = await output + await error;
            Assert.Contains("sharpspeed launch: rank 1 (node ", messages);
            Assert.Contains("died on signal 9 (Killed)", messages);
        }
        finally
        {
            if (!launcher.HasExited)
            {
                launcher.Kill(entireProcessTree: true);
            }
            Directory.Delete(directory, recursive: true);
        }
    }

    [Fact]
    public void FailingSharpSpeedRanksNameThemselves()
    {
        var (exitCode, output) = MpiJob.RunToEnd(CliProcess("launch", "--nproc_per_node", "2", "frobnicate"), MpiJob.Timeout);
        Assert.True(exitCode != 0, output);
        Assert.Contains("sharpspeed: rank 0 of 2 exits with code", output);
        Assert.Contains("sharpspeed: rank 1 of 2 exits with code", output);
    }

    [Fact]
    public void WithoutNoPythonTheRanksRunThisCli()
    {
        var (exitCode, output) = MpiJob.RunToEnd(CliProcess("launch", "--nproc_per_node", "2", "--", "--help"), MpiJob.Timeout);
        Assert.True(exitCode == 0, output);
        Assert.Equal(2, output.Split("sharpspeed [command] [options]").Length - 1);
    }
}
