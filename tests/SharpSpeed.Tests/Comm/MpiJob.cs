using System.Diagnostics;
using System.Text.Json;

namespace SharpSpeed.Tests.Comm;

/// <summary>Starts real mpirun jobs of the test worker (tests/SharpSpeed.Tests.MpiWorker) and reads what each rank wrote.</summary>
internal static class MpiJob
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(180);

    /// <summary>The worker's dll, built beside this test assembly's configuration (the test project references it).</summary>
    public static string WorkerDll
    {
        get
        {
            var testDirectory = AppContext.BaseDirectory; // tests/SharpSpeed.Tests/bin/<Configuration>/net10.0/
            var configurationDirectory = Directory.GetParent(testDirectory.TrimEnd('/'))!;
            var configuration = configurationDirectory.Name == "net10.0"
                ? configurationDirectory.Parent!.Name
                : configurationDirectory.Name;
            var testsRoot = Path.GetFullPath(Path.Combine(testDirectory, "../../../.."));
            var path = Path.Combine(testsRoot, "SharpSpeed.Tests.MpiWorker", "bin", configuration, "net10.0",
                "SharpSpeed.Tests.MpiWorker.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException($"the MPI test worker is not built: {path}");
        }
    }

    /// <summary>Runs `mpirun -np N dotnet worker.dll scenario dir args` with this platform's flags; returns the rank reports.</summary>
    public static IReadOnlyList<JsonElement> Run(int ranks, string scenario, params string[] arguments) =>
        Run(ranks, scenario, Timeout, arguments);

    /// <summary>The same with its own time limit (a job of many runs).</summary>
    public static IReadOnlyList<JsonElement> Run(int ranks, string scenario, TimeSpan timeout, params string[] arguments)
    {
        var directory = Directory.CreateTempSubdirectory("sharpspeed-mpi-").FullName;
        try
        {
            var info = new ProcessStartInfo("mpirun")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in (string[])["--allow-run-as-root", "--oversubscribe", "-np", ranks.ToString(System.Globalization.CultureInfo.InvariantCulture),
                         "dotnet", WorkerDll, scenario, directory, .. arguments])
            {
                info.ArgumentList.Add(argument);
            }
            info.Environment["TERM"] = "dumb";
            info.Environment["OMP_WAIT_POLICY"] = "PASSIVE";
            info.Environment["OMPI_MCA_btl"] = "self,vader";
            info.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
            var (exitCode, output) = RunToEnd(info, timeout);
            Assert.True(exitCode == 0, $"mpirun -np {ranks} {scenario} exited with {exitCode}:\n{output}");
            return Enumerable.Range(0, ranks)
                .Select(rank => JsonDocument.Parse(File.ReadAllText(Path.Combine(directory, $"rank{rank}.json"))).RootElement)
                .ToList();
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>Runs a process to its end, killing it (and its children) if it outlives <paramref name="timeout"/>.</summary>
    public static (int ExitCode, string Output) RunToEnd(ProcessStartInfo info, TimeSpan timeout)
    {
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(timeout))
        {
            process.Kill(entireProcessTree: true);
            process.WaitForExit();
            Assert.Fail($"{info.FileName} did not finish within {timeout.TotalSeconds} s:\n{output.Result}\n{error.Result}");
        }
        process.WaitForExit();
        return (process.ExitCode, output.Result + error.Result);
    }
}
