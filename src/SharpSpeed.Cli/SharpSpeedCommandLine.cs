using System.CommandLine;
using System.Globalization;
using System.CommandLine.Help;
using System.CommandLine.Parsing;
using SharpSpeed.Cli.Commands;
using SharpSpeed.Engine;

namespace SharpSpeed.Cli;

/// <summary>The `sharpspeed` root command: one subcommand per workflow step (docs/architecture.md lists them).</summary>
public static class SharpSpeedCommandLine
{
    public static int Run(string[] args, TextWriter output, TextWriter error)
    {
        // Flags, logs and reports read and write numbers as Python does ("0.5", never "0,5"), whatever LANG says:
        // System.CommandLine parses with the current culture, and ICU is on for the tokenizers' normalizers.
        var (culture, uiCulture) = (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture);
        CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
        var root = Build();
        // Commands throw; this is the one place that turns a failure into its line and exit code (ExitCodes).
        var configuration = new InvocationConfiguration { Output = output, Error = error, EnableDefaultExceptionHandler = false };
        var parse = root.Parse(LaunchCommand.SeparateRankCommand(args));
        try
        {
            return parse.Invoke(configuration);
        }
        catch (Exception failure)
        {
            ErrorLines.Write(error, CommandPath(parse), failure);
            return ExitCodes.For(failure);
        }
        finally
        {
            (CultureInfo.CurrentCulture, CultureInfo.CurrentUICulture) = (culture, uiCulture);
        }
    }

    /// <summary>"sharpspeed bench train", and under a launcher the rank, so that each rank's line says who failed.</summary>
    private static string CommandPath(ParseResult parse)
    {
        var names = new List<string>();
        for (SymbolResult? result = parse.CommandResult; result is CommandResult command; result = command.Parent)
        {
            names.Add(command.Command.Name);
        }
        names.Reverse();
        var rank = Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK");
        return string.Join(' ', names) + (rank is null ? "" : $" (rank {rank})");
    }

    public static Command Build()
    {
        // A named Command rather than RootCommand, whose name would be the assembly's (SharpSpeed.Cli).
        var root = new Command(
            "sharpspeed",
            $"SharpSpeed {BuildInfo.Version} ({BuildInfo.TorchFlavour} libtorch): data-parallel and ZeRO training " +
            "of LLaMA-family language models in .NET.")
        {
            new HelpOption(),
            new VersionOption(),
        };
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(LaunchCommand.Create());
        root.Subcommands.Add(EstimateCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(InitModelCommand.Create());
        root.Subcommands.Add(TokenizeCommand.Create());
        root.Subcommands.Add(PrepareCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }
}
