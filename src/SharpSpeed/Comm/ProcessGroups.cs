using SharpSpeed.Comm.Mpi;
using SharpSpeed.Comm.Nccl;
using TorchSharp;

namespace SharpSpeed.Comm;

/// <summary>Creates the process group a run asks for (--ddp_backend): single, mpi, nccl or auto.</summary>
public static class ProcessGroups
{
    public static readonly IReadOnlyList<string> Backends = ["auto", "single", "mpi", "nccl"];

    /// <summary>
    /// auto: one process -> single; several -> nccl when a GPU and libnccl are here, else mpi (torch's
    /// rule: nccl for GPUs, a CPU backend otherwise).
    /// </summary>
    public static ProcessGroup Create(string backend = "auto") => Create(backend, LaunchEnvironment.Current);

    public static ProcessGroup Create(string backend, LaunchEnvironment environment)
    {
        ArgumentNullException.ThrowIfNull(backend);
        ArgumentNullException.ThrowIfNull(environment);
        var name = backend.Trim().ToLowerInvariant();
        if (!Backends.Contains(name))
        {
            throw new ArgumentException(
                $"process group backend '{backend}' is not known: use {string.Join(", ", Backends)}", nameof(backend));
        }
        var ranks = environment.Ranks;
        if (environment.Launcher == Launcher.Torchrun && ranks.WorldSize > 1)
        {
            throw new InvalidOperationException(
                $"RANK/WORLD_SIZE say this is rank {ranks.Rank} of {ranks.WorldSize}, but the process was not started " +
                "by mpirun: SharpSpeed's ranks talk over MPI, so start the job with `sharpspeed launch --nproc_per_node N " +
                "...` (or mpirun) instead of torchrun");
        }
        if (name == "auto")
        {
            name = ranks.WorldSize == 1 ? "single" : NcclUsable() ? "nccl" : "mpi";
        }
        return name switch
        {
            "single" when ranks.WorldSize > 1 => throw new InvalidOperationException(
                $"backend single cannot run rank {ranks.Rank} of a {ranks.WorldSize}-process job: use mpi or nccl"),
            "single" => new SingleProcessGroup(),
            "mpi" => MpiProcessGroup.Create(),
            _ => NcclProcessGroup.Create(),
        };
    }

    private static bool NcclUsable() =>
        torch.cuda.is_available() && System.Runtime.InteropServices.NativeLibrary.TryLoad(NcclLibrary.FileName, out _);
}
