using System.CommandLine;
using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Training.Checkpoints;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed convert</c>: a checkpoint's ZeRO shards to an HF safetensors model folder (DeepSpeed's zero_to_fp32),
/// or <c>--model BASE --adapter DIR</c>: a LoRA adapter merged into its base (PEFT's merge_and_unload), in the base's dtype.
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint") { Description = "checkpoint folder (output_dir/checkpoint-<step>)" };
        var model = new Option<string>("--model") { Description = "base HF model folder to merge --adapter into" };
        var adapter = new Option<string>("--adapter") { Description = "PEFT LoRA folder (adapter_config.json + adapter_model.safetensors)" };
        var output = new Option<string>("--output") { Description = "HF model folder to write", Required = true };
        var dtype = new Option<string>("--dtype")
        { Description = "float32 (default for checkpoints, like zero_to_fp32; merges keep the base's dtype), bfloat16 or float16", DefaultValueFactory = _ => "float32" };
        var command = new Command("convert", "Consolidate a ZeRO checkpoint, or merge a LoRA adapter into its base, as a HuggingFace safetensors model folder.")
        {
            checkpoint, model, adapter, output, dtype,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var dtypeGiven = parse.GetResult(dtype) is { Implicit: false } ? ModelFolder.DtypeOf(parse.GetValue(dtype)!) : (TorchSharp.torch.ScalarType?)null;
                var written = (parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(adapter)) switch
                {
                    ({ } from, null, null) => CheckpointConsolidator.Consolidate(from, parse.GetValue(output)!, dtypeGiven ?? TorchSharp.torch.ScalarType.Float32),
                    (null, { } baseDir, { } adapterDir) => Merge(baseDir, adapterDir, parse.GetValue(output)!, dtypeGiven),
                    _ => throw new ArgumentException("give either --checkpoint DIR, or --model BASE --adapter DIR"),
                };
                error.WriteLine($"sharpspeed convert: wrote {written}");
                return 0;
            }
            catch (Exception e) when (e is IOException or InvalidDataException or ArgumentException
                                           or TornCheckpointException or UnauthorizedAccessException)
            {
                error.WriteLine($"sharpspeed convert: {e.Message}");
                return 1;
            }
        });
        return command;
    }

    private static string Merge(string baseDir, string adapterDir, string outputDir, TorchSharp.torch.ScalarType? dtype)
    {
        using var merged = ModelFolder.Load(baseDir, dtype);
        AdapterLoading.Merge(merged, adapterDir);
        ModelFolder.Save(merged, outputDir);
        if (File.Exists(Path.Combine(baseDir, ModelFolder.TokenizerFiles[0])))
        {
            ModelFolder.CopyTokenizer(baseDir, outputDir);
        }
        return outputDir;
    }
}
