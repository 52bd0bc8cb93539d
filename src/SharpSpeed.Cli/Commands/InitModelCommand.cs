using System.CommandLine;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.IO;
using SharpSpeed.Models;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed init-model</c>: a randomly initialised model (HF's initializer) written as a complete HF folder:
/// config.json, generation_config.json, safetensors weights and the tokenizer files.
/// </summary>
internal sealed class InitModelCommand
{
    private const string BundledTinyTokenizer = "tokenizers/deepseek-tiny";

    private readonly Option<string> Config = new("--config")
    { Description = "Named config (" + string.Join(", ", NamedModelConfigs.All.Keys) + ") or a config.json file.", Required = true };

    private readonly Option<string> Output = new("--output", "--output_dir") { Description = "Folder to write the model into.", Required = true };

    private readonly Option<string?> Tokenizer = new("--tokenizer")
    { Description = "tokenizer.json or a folder with it, copied into the model folder (default for tiny: the bundled tokenizer)." };

    private readonly Option<bool> Overwrite = new("--overwrite")
    { Description = "Write into a folder that already holds files (its model files are replaced)." };

    private readonly Option<long> Seed = new("--seed") { Description = "Seed of the initial weights.", DefaultValueFactory = _ => 42 };

    public static Command Create() => new InitModelCommand().Build();

    private Command Build()
    {
        var command = new Command("init-model", "Write a randomly initialised HuggingFace model folder from a named config or config.json.")
        {
            Config, Output, Tokenizer, Overwrite, Seed,
        };
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        var configName = parse.GetValue(Config)!;
        var outputDir = parse.GetValue(Output)!;
        RefuseOccupied(outputDir, parse.GetValue(Overwrite));
        var config = NamedModelConfigs.Resolve(configName);
        var tokenizerPath = parse.GetValue(Tokenizer)
            ?? (ReferenceEquals(config, NamedModelConfigs.Tiny) ? BundledAssets.Locate(BundledTinyTokenizer) : null);
        if (tokenizerPath is not null)
        {
            var tokenizer = HfTokenizer.FromPath(tokenizerPath);
            if (tokenizer.VocabSize > config.VocabSize)
            {
                throw new ArgumentException(
                    $"tokenizer {tokenizerPath} has {tokenizer.VocabSize} ids but config '{configName}' has vocab_size {config.VocabSize}");
            }
        }
        var dtype = ModelFolder.DtypeOf(config.TorchDtype);
        using (var model = LlamaForCausalLM.CreateRandom(config, parse.GetValue(Seed), dtype))
        {
            ModelFolder.Save(model, outputDir);
        }
        if (tokenizerPath is not null)
        {
            ModelFolder.CopyTokenizer(tokenizerPath, outputDir);
        }
        output.WriteLine(
            $"wrote {outputDir}: {config.ModelType}, {config.ParameterCount():N0} parameters ({config.TorchDtype})" +
            (tokenizerPath is null ? ", no tokenizer (pass --tokenizer)" : $", tokenizer from {tokenizerPath}"));
        return 0;
    }

    /// <summary>Random weights over a trained model would lose it: a folder with files in it needs --overwrite.</summary>
    private static void RefuseOccupied(string outputDir, bool overwrite)
    {
        if (File.Exists(outputDir))
        {
            throw new IOException($"--output {outputDir} is a file, not a folder");
        }
        if (!overwrite && Directory.Exists(outputDir) && Directory.EnumerateFileSystemEntries(outputDir).Any())
        {
            var example = Directory.EnumerateFileSystemEntries(outputDir).Select(Path.GetFileName).Order(StringComparer.Ordinal).First();
            throw new IOException(
                $"--output {outputDir} is not empty (it holds {example}, ...): pass --overwrite to replace its model files, or name an empty folder");
        }
    }
}
