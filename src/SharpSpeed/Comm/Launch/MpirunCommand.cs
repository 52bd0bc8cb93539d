using System.Globalization;

namespace SharpSpeed.Comm.Launch;

/// <summary>The mpirun command line of one attempt of a job, and the environment it passes to every rank.</summary>
public sealed record MpirunCommand(
    IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment, int WorldSize, int ThreadsPerRank)
{
    public const string Program = "mpirun";

    /// <summary>Set for every rank: the trainer gives libtorch this many threads (cores / local ranks).</summary>
    public const string ThreadsVariable = "SHARPSPEED_NUM_THREADS";

    /// <summary>
    /// Builds the mpirun command for <paramref name="request"/>. Multi-node jobs need a hostfile: one mpirun on the
    /// first node starts every rank over ssh, so torchrun's per-node invocation (node_rank &gt; 0) has no role.
    /// </summary>
    public static MpirunCommand Plan(LaunchRequest request, MachineFacts machine, int attempt = 0)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(machine);
        Validate(request);
        var hosts = request.Hostfile is null ? null : Hostfile.Read(request.Hostfile);
        var nodes = hosts?.Count ?? 1;
        if (request.Nnodes is { } nnodes && nnodes != nodes)
        {
            throw new ArgumentException(request.Hostfile is null
                ? $"--nnodes {nnodes} needs --hostfile listing the {nnodes} nodes (`hostname slots=N` per line): " +
                  "one mpirun on the first node starts the ranks of every node over ssh"
                : $"--nnodes {nnodes} but hostfile {request.Hostfile} lists {nodes} hosts");
        }
        if (request.NodeRank != 0)
        {
            throw new ArgumentException(
                $"--node_rank {request.NodeRank}: SharpSpeed's launch runs once, on the first node (node_rank 0), and " +
                "mpirun starts the ranks of the other nodes from there over ssh; do not run it on the other nodes");
        }
        var perNode = request.NprocPerNode;
        var world = nodes * perNode;
        var threads = ThreadBudget(machine, perNode);
        var arguments = new List<string>();
        if (machine.IsRoot)
        {
            arguments.Add("--allow-run-as-root");
        }
        var slotsShort = hosts is null ? perNode > machine.Cores : hosts.Any(h => h.Slots is { } slots && slots < perNode);
        if (slotsShort)
        {
            arguments.Add("--oversubscribe");
        }
        arguments.AddRange(["-np", Text(world)]);
        if (hosts is not null)
        {
            arguments.AddRange(["--hostfile", request.Hostfile!, "--npernode", Text(perNode)]);
        }
        // Each rank runs several libtorch threads; OpenMPI's default would pin every rank to one core.
        arguments.AddRange(["--bind-to", "none"]);

        var environment = new Dictionary<string, string>
        {
            ["TERM"] = "dumb", // .NET under mpirun writes terminal escape codes otherwise
            ["OMP_NUM_THREADS"] = Text(threads),
            [ThreadsVariable] = Text(threads),
            ["MASTER_ADDR"] = request.MasterAddr,
            ["MASTER_PORT"] = Text(request.MasterPort),
        };
        // Each rank sets OpenMP's bounded spin itself (Training.OpenMpWaiting); a user's own waiting settings reach every rank.
        foreach (var name in (string[])["OMP_WAIT_POLICY", "GOMP_SPINCOUNT"])
        {
            if (machine.Variable(name) is { } value)
            {
                environment[name] = value;
            }
        }
        // Shared memory between the ranks of a node (and TCP between nodes); single-copy (CMA) needs ptrace
        // rights that containers seldom grant. A user's own OMPI_MCA_btl settings win.
        if (machine.Variable("OMPI_MCA_btl") is null)
        {
            environment["OMPI_MCA_btl"] = nodes > 1 ? "self,vader,tcp" : "self,vader";
        }
        if (machine.Variable("OMPI_MCA_btl_vader_single_copy_mechanism") is null)
        {
            environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        }
        foreach (var name in environment.Keys.Where(name => !name.StartsWith("OMPI_MCA_", StringComparison.Ordinal)))
        {
            arguments.AddRange(["-x", name]);
        }
        // A rank dies with mpirun (SIGKILL as its parent-death signal): kill -9 of mpirun leaves no rank training.
        arguments.AddRange(machine.DyingWithParent(RankCommand(request, attempt)));
        return new MpirunCommand(arguments, environment, world, threads);
    }

    /// <summary>cores / local ranks, at least 1, unless the user fixed OMP_NUM_THREADS (as torchrun respects it).</summary>
    private static int ThreadBudget(MachineFacts machine, int perNode) =>
        int.TryParse(machine.Variable("OMP_NUM_THREADS"), NumberStyles.None, CultureInfo.InvariantCulture, out var fixedThreads) &&
        fixedThreads > 0
            ? fixedThreads
            : Math.Max(1, machine.Cores / perNode);

    /// <summary>After a failure `train` resumes from the latest checkpoint, as torchrun's elastic agent restarts do.</summary>
    private static IReadOnlyList<string> RankCommand(LaunchRequest request, int attempt)
    {
        if (attempt == 0 || !request.WrapsTrain ||
            request.RankCommand.Any(a => a.StartsWith("--resume_from_checkpoint", StringComparison.Ordinal)))
        {
            return request.RankCommand;
        }
        return [.. request.RankCommand, "--resume_from_checkpoint", "auto"];
    }

    private static void Validate(LaunchRequest request)
    {
        if (request.RankCommand.Count == 0)
        {
            throw new ArgumentException("launch needs the command every rank runs, e.g. `sharpspeed launch --nproc_per_node 2 train ...`");
        }
        if (request.NprocPerNode < 1)
        {
            throw new ArgumentException($"--nproc_per_node {request.NprocPerNode}: must be >= 1");
        }
        if (request.Nnodes is < 1)
        {
            throw new ArgumentException($"--nnodes {request.Nnodes}: must be >= 1");
        }
        if (request.MaxRestarts < 0)
        {
            throw new ArgumentException($"--max_restarts {request.MaxRestarts}: must be >= 0");
        }
        if (request.MasterPort is < 1 or > 65535)
        {
            throw new ArgumentException($"--master_port {request.MasterPort}: must be a TCP port (1-65535)");
        }
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
