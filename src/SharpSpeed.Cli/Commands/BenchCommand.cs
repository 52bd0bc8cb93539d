using System.CommandLine;

namespace SharpSpeed.Cli.Commands;

/// <summary>`sharpspeed bench`: measurements, one subcommand each (comm: collective bandwidth).</summary>
internal static class BenchCommand
{
    public static Command Create() =>
        new("bench", "Measure training throughput, MFU, collective bandwidth and tokenizer speed.")
        {
            BenchCommCommand.Create(),
        };
}
