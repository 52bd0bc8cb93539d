using System.CommandLine;

namespace SharpSpeed.Cli;

/// <summary>
/// Commands of the command-line contract whose implementation has not landed yet. Each one is listed in
/// --help with its purpose, accepts any arguments, and exits with <see cref="ExitCode"/> after saying so.
/// A command leaves this list when its real implementation gets a file of its own.
/// </summary>
internal static class PlannedCommands
{
    public const int ExitCode = 3;

    private static readonly (string Name, string Description)[] Planned =
    [
        ("train", "Train or fine-tune a model (HF TrainingArguments flags, --deepspeed ds_config.json)."),
        ("tokenize", "Encode text with a HuggingFace tokenizer.json (ids identical to HF tokenizers)."),
        ("convert", "Consolidate a ZeRO checkpoint into a HuggingFace safetensors model folder."),
        ("prepare", "Tokenize a data set into the on-disk token cache and print its statistics."),
    ];

    public static IEnumerable<Command> All() => Planned.Select(Create);

    private static Command Create((string Name, string Description) planned)
    {
        var command = new Command(planned.Name, planned.Description + " [not implemented yet]")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        command.SetAction(parse =>
        {
            parse.InvocationConfiguration.Error.WriteLine(
                $"sharpspeed {planned.Name}: not implemented yet in this version of SharpSpeed.");
            return ExitCode;
        });
        return command;
    }
}
