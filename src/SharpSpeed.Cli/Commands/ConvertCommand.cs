using System.CommandLine;
using SharpSpeed.Models;
using SharpSpeed.Training.Checkpoints;

namespace SharpSpeed.Cli.Commands;

/// <summary><c>sharpspeed convert</c>: a checkpoint's ZeRO shards to an HF safetensors model folder (DeepSpeed's zero_to_fp32).</summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint")
        { Description = "checkpoint folder (output_dir/checkpoint-<step>)", Required = true };
        var output = new Option<string>("--output") { Description = "HF model folder to write", Required = true };
        var dtype = new Option<string>("--dtype")
        { Description = "float32 (default, like zero_to_fp32), bfloat16 or float16", DefaultValueFactory = _ => "float32" };
        var command = new Command("convert", "Consolidate a ZeRO checkpoint into a HuggingFace safetensors model folder.")
        {
            checkpoint, output, dtype,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var written = CheckpointConsolidator.Consolidate(
                    parse.GetValue(checkpoint)!, parse.GetValue(output)!, ModelFolder.DtypeOf(parse.GetValue(dtype)!));
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
}
