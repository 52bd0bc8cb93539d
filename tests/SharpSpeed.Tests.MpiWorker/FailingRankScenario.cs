using SharpSpeed.Comm;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>
/// Rank 1 fails while the other ranks wait for it in a barrier, the way one rank's bad input or bug fails a run.
/// The job must end (mpirun stops the waiting ranks once rank 1 exits) instead of hanging in rank 1's MPI shutdown.
/// </summary>
internal static class FailingRankScenario
{
    public static int Run(string outputDirectory) =>
        ProcessGroups.Create("mpi").RunAndDispose(group =>
        {
            group.Barrier();
            File.WriteAllText(Path.Combine(outputDirectory, $"rank{group.Rank}.started"), "");
            if (group.Rank == 1)
            {
                throw new InvalidOperationException("rank 1 fails on purpose");
            }
            group.Barrier();
            Console.Error.WriteLine($"rank {group.Rank}: passed a barrier that rank 1 never reached");
            return 4;
        });
}
