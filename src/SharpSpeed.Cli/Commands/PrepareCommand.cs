using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using SharpSpeed.Data.Batching;
using SharpSpeed.Data.Cache;
using SharpSpeed.Data.Oasst;
using SharpSpeed.Data.Readers;
using SharpSpeed.Data.Templates;
using SharpSpeed.IO;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed prepare</c>: reads a data set, applies the oasst1 rules and the chat template, tokenizes it into
/// the on-disk token cache (or finds it there) and prints the statistics, as one JSON object with --json.
/// </summary>
internal static class PrepareCommand
{
    public static Command Create()
    {
        var dataset = new Option<string>("--dataset")
        {
            Description = $"Data file or folder, 'oasst1' (from ${DatasetLocator.DataDirectoryVariable}/oasst1) or '{DatasetLocator.BundledSampleName}'.",
            Required = true,
        };
        var tokenizer = new Option<string?>("--tokenizer")
        {
            Description = "tokenizer.json or a folder with tokenizer.json + tokenizer_config.json (default: the bundled deepseek-tiny).",
        };
        var maxSeqLength = new Option<int>("--max_seq_length") { Description = "Truncate examples to this many tokens.", DefaultValueFactory = _ => 512 };
        var chatTemplate = new Option<string?>("--chat_template")
        {
            Description = $"Chat template: auto (default: the tokenizer_config.json template), FILE.jinja, or {string.Join(", ", ChatTemplates.Names)}.",
        };
        var trainOnPrompt = new Option<bool>("--train_on_prompt") { Description = "Put labels on prompt tokens too." };
        var languages = new Option<string>("--dataset_lang") { Description = "oasst1 prompt languages, e.g. en,zh, or all.", DefaultValueFactory = _ => "all" };
        var topK = new Option<int?>("--top_k") { Description = "oasst1: keep assistant replies ranked below k." };
        var validationSplit = new Option<double>("--validation_split")
        {
            Description = "Share of oasst1 trees for validation when the data has no validation file.",
            DefaultValueFactory = _ => 0.05,
        };
        var skipInvalid = new Option<bool>("--skip_invalid_records") { Description = "Skip and count invalid records instead of failing." };
        var cacheDir = new Option<string?>("--cache_dir") { Description = "Token cache folder (default $SHARPSPEED_CACHE or ~/.cache/sharpspeed/tokens)." };
        var batchSize = new Option<int>("--per_device_train_batch_size")
        {
            Description = "Batch size for the padding-efficiency estimate.",
            DefaultValueFactory = _ => 8,
        };
        var json = new Option<bool>("--json") { Description = "Print one JSON object on stdout." };

        var command = new Command("prepare", "Tokenize a data set into the on-disk token cache and print its statistics.")
        {
            dataset, tokenizer, maxSeqLength, chatTemplate, trainOnPrompt, languages, topK, validationSplit, skipInvalid,
            cacheDir, batchSize, json,
        };
        command.SetAction(parse =>
        {
            var output = parse.InvocationConfiguration.Output;
            var error = parse.InvocationConfiguration.Error;
            var options = new PrepareOptions(parse.GetValue(dataset)!,
                parse.GetValue(tokenizer) ?? BundledAssets.Locate(Path.Combine("tokenizers", "deepseek-tiny")))
            {
                MaxSeqLength = parse.GetValue(maxSeqLength),
                ChatTemplate = parse.GetValue(chatTemplate),
                TrainOnPrompt = parse.GetValue(trainOnPrompt),
                CacheDirectory = parse.GetValue(cacheDir),
                Reading = new DatasetOptions
                {
                    Oasst = new OasstThreadOptions(OasstThreadOptions.ParseLanguages(parse.GetValue(languages)), parse.GetValue(topK)),
                    ValidationFraction = parse.GetValue(validationSplit),
                    SkipInvalidRecords = parse.GetValue(skipInvalid),
                },
            };
            using var prepared = DatasetPreparer.Prepare(options, error.WriteLine);
            Report(prepared, parse.GetValue(batchSize), options.MaxSeqLength, parse.GetValue(json), output);
            return 0;
        });
        return command;
    }

    private static void Report(PreparedDataset prepared, int batchSize, int maxSeqLength, bool asJson, TextWriter output)
    {
        var stats = prepared.TrainStats;
        var lengths = Enumerable.Range(0, prepared.Train.Count).Select(prepared.Train.Length).ToList();
        var report = new Dictionary<string, object>
        {
            ["threads"] = stats.Threads,
            ["examples"] = stats.Examples,
            ["tokens"] = stats.Tokens,
            ["label_tokens"] = stats.LabelTokens,
            ["truncated"] = stats.Truncated,
            ["skipped"] = stats.Skipped,
            ["cache"] = prepared.Train.Path,
            ["dropped_no_labels"] = stats.DroppedNoLabels,
            ["validation_examples"] = prepared.Validation?.Count ?? 0,
            ["validation_cache"] = prepared.Validation?.Path ?? string.Empty,
            ["template"] = prepared.TemplateName,
            ["cache_origin"] = prepared.Origin.ToString().ToLowerInvariant(),
            ["seconds"] = Math.Round(prepared.Elapsed.TotalSeconds, 3),
            ["padding_efficiency"] = Math.Round(BatchEfficiency.Padded(lengths, batchSize), 4),
            ["packing_efficiency"] = Math.Round(BatchEfficiency.Packed(lengths, maxSeqLength), 4),
        };
        if (asJson)
        {
            output.WriteLine(JsonSerializer.Serialize(report));
            return;
        }
        foreach (var (key, value) in report)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{key,-20} {value}"));
        }
    }
}
