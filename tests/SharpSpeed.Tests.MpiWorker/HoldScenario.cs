using SharpSpeed.Comm.Mpi;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>
/// A job that keeps its ranks busy in collectives until one is killed: each rank writes its pid, then loops on
/// barriers. Gives up by itself after two minutes so that a broken launcher cannot leave it running.
/// </summary>
internal static class HoldScenario
{
    public static int Run(string outputDirectory)
    {
        using var group = MpiProcessGroup.Create();
        File.WriteAllText(Path.Combine(outputDirectory, $"rank{group.Rank}.pid"), Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            group.Barrier();
            Thread.Sleep(100);
        }
        Console.Error.WriteLine($"rank {group.Rank}: nobody stopped the job within two minutes");
        return 4;
    }
}
