using System.CommandLine;
using SharpSpeed.IO;
using SharpSpeed.Training;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed train</c>: HF TrainingArguments flags, optionally a DeepSpeed config. Without --model_name_or_path it
/// trains the bundled tiny model (on the bundled oasst1-format sample unless --dataset says otherwise) and the demo
/// recipe below replaces HF's defaults, which suit a pretrained 7B model, not a random tiny one: a newcomer sees the
/// whole system learn in minutes on a laptop CPU. Every flag given overrides the recipe.
/// </summary>
internal static class TrainCommand
{
    /// <summary>Flag and value pairs of the demo recipe: sized for a few minutes on 2 CPU cores.</summary>
    public static readonly (string Flag, string? Value)[] DemoRecipe =
    [
        ("--num_train_epochs", "8"), ("--per_device_train_batch_size", "8"), ("--gradient_accumulation_steps", "1"),
        ("--learning_rate", "5e-4"), ("--warmup_ratio", "0.05"), ("--lr_scheduler_type", "cosine"),
        ("--weight_decay", "0.01"), ("--max_seq_length", "256"), ("--logging_steps", "10"), ("--save_steps", "0"),
        ("--top_k", "2"),
    ];

    /// <summary>The demo's own output folder is replaced on every run; a folder the user names never is.</summary>
    private static readonly (string Flag, string? Value)[] DemoOutput = [("--output_dir", "runs/demo"), ("--overwrite_output_dir", null)];

    public static Command Create()
    {
        var options = new TrainingArgumentOptions();
        var command = new Command("train", "Train or fine-tune a model (HF TrainingArguments flags, --deepspeed ds_config.json).");
        foreach (var option in options.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            // Only what the user typed counts as given: a DeepSpeed file's values win over the recipe's, as over HF defaults.
            var given = options.Given(parse);
            var effective = parse;
            if (!given.Contains("model_name_or_path"))
            {
                var recipe = DemoRecipe.Concat(given.Contains("output_dir") ? [] : DemoOutput)
                    .Where(pair => !given.Contains(pair.Flag.TrimStart('-')))
                    .SelectMany(pair => pair.Value is null ? new[] { pair.Flag } : [pair.Flag, pair.Value])
                    .ToArray();
                if (Environment.GetEnvironmentVariable("OMPI_COMM_WORLD_RANK") is null or "0")
                {
                    error.WriteLine($"sharpspeed train: bundled tiny model; demo recipe: {string.Join(' ', recipe)}");
                }
                effective = command.Parse([.. recipe, .. parse.Tokens.Select(t => t.Value)]);
            }
            var trainer = new Trainer(WithHubCachePaths(options.Bind(effective)), given, error, interactive: !Console.IsErrorRedirected);
            trainer.Run();
            return 0;
        });
        return command;
    }

    /// <summary>An "org/name" model becomes its snapshot folder in the HF hub cache; local folders stay as they are.</summary>
    private static TrainingArguments WithHubCachePaths(TrainingArguments args) =>
        args.ModelNameOrPath is { } model
            ? args with { ModelNameOrPath = HubCache.FromEnvironment().ResolveModel(model, args.Revision) }
            : args;
}
