using System.CommandLine;
using System.CommandLine.Parsing;
using SharpSpeed.Comm.Launch;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// `sharpspeed launch`: torchrun's command line over mpirun. `launch --nproc_per_node 3 train ARGS` runs
/// `dotnet SharpSpeed.Cli.dll train ARGS` as 3 ranks; with --no_python (torchrun's --no-python) the command is run
/// as given. Everything after the first token that is not a launch option belongs to the ranks, untouched.
/// </summary>
internal static class LaunchCommand
{
    public const string Name = "launch";

    private static readonly Option<int> NprocPerNode = new("--nproc_per_node", "--nproc-per-node")
    {
        Description = "Ranks per node (torchrun's --nproc_per_node).",
        DefaultValueFactory = _ => 1,
    };

    private static readonly Option<int?> Nnodes = new("--nnodes")
    {
        Description = "Number of nodes; more than one needs --hostfile (one mpirun on the first node starts them all).",
    };

    private static readonly Option<int> NodeRank = new("--node_rank", "--node-rank")
    {
        Description = "Rank of this node; launch runs on node 0 only (mpirun reaches the others over ssh).",
    };

    private static readonly Option<string> MasterAddr = new("--master_addr", "--master-addr")
    {
        Description = "Exported to the ranks as MASTER_ADDR (MPI does its own rendezvous).",
        DefaultValueFactory = _ => "127.0.0.1",
    };

    private static readonly Option<int> MasterPort = new("--master_port", "--master-port")
    {
        Description = "Exported to the ranks as MASTER_PORT.",
        DefaultValueFactory = _ => 29500,
    };

    private static readonly Option<string?> HostfileOption = new("--hostfile")
    {
        Description = "DeepSpeed/OpenMPI hostfile: `hostname slots=N` per line; the nodes of a multi-node job.",
    };

    private static readonly Option<int> MaxRestarts = new("--max_restarts", "--max-restarts")
    {
        Description = "Restart a failed job up to K times; `train` then resumes from the latest checkpoint.",
    };

    private static readonly Option<bool> NoPython = new("--no_python", "--no-python")
    {
        Description = "Run the command as given instead of as a sharpspeed subcommand (torchrun's --no-python).",
    };

    private static readonly Option<bool> Standalone = new("--standalone")
    {
        Description = "torchrun's single-node mode; accepted for compatibility (one node is the default).",
    };

    private static readonly Argument<string[]> RankCommand = new("command")
    {
        Description = "The sharpspeed subcommand every rank runs, with its arguments (e.g. train --deepspeed ds.json).",
        Arity = ArgumentArity.ZeroOrMore,
    };

    private static readonly HashSet<string> FlagsWithoutValue = ["--no_python", "--no-python", "--standalone", "-h", "--help", "-?"];

    public static Command Create()
    {
        var command = new Command(Name, "Start a multi-process job like torchrun (wraps mpirun): launch --nproc_per_node N train ...")
        {
            NprocPerNode, Nnodes, NodeRank, MasterAddr, MasterPort, HostfileOption, MaxRestarts, NoPython, Standalone, RankCommand,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var words = parse.GetValue(RankCommand) ?? [];
            // The ranks' command is what follows `--` (see SeparateRankCommand); anything else that landed in it
            // is an option launch does not know (torchrun's rendezvous flags, a typo).
            var afterSeparator = parse.Tokens.SkipWhile(t => t.Type != TokenType.DoubleDash).Skip(1).Count();
            if (words.Length > afterSeparator)
            {
                throw new ArgumentException(
                    $"unknown option(s) {string.Join(' ', words.Take(words.Length - afterSeparator))}; " +
                    "launch takes --nproc_per_node, --nnodes, --node_rank, --master_addr, --master_port, --hostfile, " +
                    "--max_restarts, --standalone and --no_python before the command");
            }
            var noPython = parse.GetValue(NoPython);
            if (parse.GetValue(Standalone) && (parse.GetValue(Nnodes) ?? 1) != 1)
            {
                throw new ArgumentException("--standalone runs one node; it cannot be combined with --nnodes > 1");
            }
            var request = new LaunchRequest(noPython ? words : [.. ThisProgram(), .. words])
            {
                NprocPerNode = parse.GetValue(NprocPerNode),
                Nnodes = parse.GetValue(Nnodes),
                NodeRank = parse.GetValue(NodeRank),
                MasterAddr = parse.GetValue(MasterAddr)!,
                MasterPort = parse.GetValue(MasterPort),
                Hostfile = parse.GetValue(HostfileOption),
                MaxRestarts = parse.GetValue(MaxRestarts),
                WrapsTrain = !noPython && words.FirstOrDefault() == "train",
            };
            if (words.Length == 0)
            {
                throw new ArgumentException("no command to run; e.g. sharpspeed launch --nproc_per_node 2 train ...");
            }
            return new JobSupervisor(parse.InvocationConfiguration.Output, error).Run(request, MachineFacts.Current);
        });
        return command;
    }

    /// <summary>
    /// Puts `--` before the ranks' command so that none of its options is parsed as launch's (`launch --nproc_per_node
    /// 2 train --help` asks train for help, not launch).
    /// </summary>
    public static string[] SeparateRankCommand(string[] args)
    {
        ArgumentNullException.ThrowIfNull(args);
        if (args.Length == 0 || args[0] != Name)
        {
            return args;
        }
        var index = 1;
        while (index < args.Length && args[index].StartsWith('-'))
        {
            if (args[index] == "--")
            {
                return args;
            }
            index += FlagsWithoutValue.Contains(args[index]) || args[index].Contains('=', StringComparison.Ordinal) ? 1 : 2;
        }
        return index >= args.Length ? args : [.. args[..index], "--", .. args[index..]];
    }

    /// <summary>How to start this CLI again: `dotnet SharpSpeed.Cli.dll`, or its native host.</summary>
    private static string[] ThisProgram()
    {
        var host = Environment.ProcessPath ?? "dotnet";
        var dll = typeof(LaunchCommand).Assembly.Location;
        return Path.GetFileNameWithoutExtension(host) == "dotnet" ? [host, dll] : [host];
    }
}
