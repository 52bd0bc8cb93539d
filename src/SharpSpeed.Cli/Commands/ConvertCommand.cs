using System.CommandLine;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Models;
using SharpSpeed.Models.Gguf;
using SharpSpeed.Training.Checkpoints;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed convert</c>: a checkpoint's ZeRO shards to an HF safetensors model folder (DeepSpeed's
/// zero_to_fp32), or an HF model folder to one GGUF file for llama.cpp (llama.cpp's convert_hf_to_gguf.py).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint")
        { Description = "checkpoint folder (output_dir/checkpoint-<step>) to consolidate into an HF folder" };
        var model = new Option<string>("--model")
        { Description = "HF model folder (config.json, weights, tokenizer.json) to export as GGUF" };
        var output = new Option<string>("--output") { Description = "HF model folder, or FILE.gguf with --model", Required = true };
        var dtype = new Option<string>("--dtype")
        { Description = "float32 (default, like zero_to_fp32), bfloat16 or float16", DefaultValueFactory = _ => "float32" };
        var outType = new Option<string>("--outtype")
        { Description = "GGUF weight type: f32, f16, bf16 or q8_0 (norms stay f32)", DefaultValueFactory = _ => "f16" };
        var tokenizerPre = new Option<string?>("--tokenizer_pre")
        { Description = "llama.cpp pre-tokenizer name, when the tokenizer's own is not recognised (e.g. llama-bpe)" };
        var command = new Command("convert",
            "Consolidate a ZeRO checkpoint into an HF safetensors folder, or export an HF folder to GGUF for llama.cpp.")
        {
            checkpoint, model, output, dtype, outType, tokenizerPre,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            try
            {
                var modelDir = parse.GetValue(model);
                var checkpointDir = parse.GetValue(checkpoint);
                if ((modelDir is null) == (checkpointDir is null))
                {
                    throw new ArgumentException("give either --checkpoint DIR (to an HF folder) or --model DIR (to FILE.gguf)");
                }
                if (modelDir is not null)
                {
                    var result = ExportGguf(modelDir, parse.GetValue(output)!, GgufOutType.Parse(parse.GetValue(outType)!),
                        parse.GetValue(tokenizerPre), error);
                    error.WriteLine($"sharpspeed convert: wrote {result.Path} ({result.Architecture}, {result.Tensors} tensors, {result.Bytes:N0} bytes)");
                    return 0;
                }
                var written = CheckpointConsolidator.Consolidate(
                    checkpointDir!, parse.GetValue(output)!, ModelFolder.DtypeOf(parse.GetValue(dtype)!));
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

    private static GgufExportResult ExportGguf(string modelDir, string output, GgufOutType outType, string? tokenizerPre, TextWriter log)
    {
        if (!output.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--output '{output}': a GGUF export is written to a FILE.gguf");
        }
        var config = ModelConfig.LoadFromDirectory(modelDir);
        var eos = config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : (int?)null;
        var tokenizerKeys = GgufVocabulary.For(modelDir, config.VocabSize,
            new SpecialTokenIds(config.BosTokenId, eos, config.PadTokenId), tokenizerPre);
        return LlamaGgufExport.Export(modelDir, output, outType, tokenizerKeys, log);
    }
}
