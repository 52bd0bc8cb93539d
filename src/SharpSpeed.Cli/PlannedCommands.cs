using System.CommandLine;

namespace SharpSpeed.Cli;

/// <summary>
/// The command-line contract of DESIGN.md. A command whose implementation has not landed yet is still listed in
/// --help with its purpose, accepts any arguments, and exits with <see cref="ExitCode"/> after saying so.
/// </summary>
internal static class PlannedCommands
{
    public const int ExitCode = 3;

    private static readonly (string Name, string Description)[] Contract =
    [
        ("train", "Train or fine-tune a model (HF TrainingArguments flags, --deepspeed ds_config.json)."),
        ("launch", "Start a multi-process job like torchrun (wraps mpirun): launch --nproc_per_node N train ..."),
        ("estimate", "Estimate per-GPU memory for ZeRO stages 0-3 and say whether a setup fits."),
        ("generate", "Generate text from a model folder with a KV cache (greedy, temperature, top-k, top-p)."),
        ("tokenize", "Encode text with a HuggingFace tokenizer.json (ids identical to HF tokenizers)."),
        ("convert", "Consolidate a ZeRO checkpoint into a HuggingFace safetensors model folder."),
        ("init-model", "Write a randomly initialised HuggingFace model folder from a named config or config.json."),
        ("prepare", "Tokenize a data set into the on-disk token cache and print its statistics."),
    ];

    /// <summary>Placeholders for the contract's commands that <paramref name="implemented"/> does not cover.</summary>
    public static IEnumerable<Command> Missing(IEnumerable<Command> implemented)
    {
        var names = implemented.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        return Contract.Where(c => !names.Contains(c.Name)).Select(Create);
    }

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
