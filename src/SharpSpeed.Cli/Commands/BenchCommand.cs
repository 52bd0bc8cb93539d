using System.CommandLine;

namespace SharpSpeed.Cli.Commands;

/// <summary>`sharpspeed bench`: measurements, one subcommand each (train: throughput and MFU; comm: collective bandwidth; tokenize: tokenizer speed).</summary>
internal static class BenchCommand
{
    public static Command Create() =>
        new("bench", "Measure training throughput, MFU, collective bandwidth and tokenizer speed.")
        {
            BenchTrainCommand.Create(),
            BenchCommCommand.Create(),
            BenchTokenizeCommand.Create(),
        };
}
