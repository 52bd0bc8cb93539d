using System.CommandLine;
using SharpSpeed.Data.Tokenization;
using SharpSpeed.Models;
using SharpSpeed.Models.Adapters;
using SharpSpeed.Models.Gguf;
using SharpSpeed.Training.Checkpoints;
using static TorchSharp.torch;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed convert</c>: a checkpoint's ZeRO shards to an HF safetensors model folder (DeepSpeed's zero_to_fp32);
/// <c>--model BASE --adapter DIR</c>: a LoRA adapter merged into its base (PEFT's merge_and_unload), in the base's dtype;
/// <c>--model DIR --output FILE.gguf</c>: an HF model folder to one GGUF file for llama.cpp (its convert_hf_to_gguf.py).
/// </summary>
internal static class ConvertCommand
{
    public static Command Create()
    {
        var checkpoint = new Option<string>("--checkpoint")
        { Description = "checkpoint folder (output_dir/checkpoint-<step>) to consolidate into an HF folder" };
        var model = new Option<string>("--model")
        { Description = "HF model folder: the base to merge --adapter into, or (without --adapter) the model to export as GGUF" };
        var adapter = new Option<string>("--adapter") { Description = "PEFT LoRA folder (adapter_config.json + adapter_model.safetensors)" };
        var output = new Option<string>("--output") { Description = "HF model folder, or FILE.gguf for a GGUF export", Required = true };
        var dtype = new Option<string>("--dtype")
        {
            Description = "float32 (default for checkpoints, like zero_to_fp32; merges keep the base's dtype), bfloat16 or float16",
            DefaultValueFactory = _ => "float32",
        };
        var outType = new Option<string>("--outtype")
        { Description = "GGUF weight type: f32, f16, bf16 or q8_0 (norms stay f32)", DefaultValueFactory = _ => "f16" };
        var tokenizerPre = new Option<string?>("--tokenizer_pre")
        { Description = "llama.cpp pre-tokenizer name, when the tokenizer's own is not recognised (e.g. llama-bpe)" };
        var command = new Command("convert",
            "Consolidate a ZeRO checkpoint into an HF safetensors folder, merge a LoRA adapter into its base, or export an HF folder to GGUF.")
        {
            checkpoint, model, adapter, output, dtype, outType, tokenizerPre,
        };
        command.SetAction(parse =>
        {
            var error = parse.InvocationConfiguration.Error;
            var dtypeGiven = parse.GetResult(dtype) is { Implicit: false } ? ModelFolder.DtypeOf(parse.GetValue(dtype)!) : (ScalarType?)null;
            var outputPath = parse.GetValue(output)!;
            switch (parse.GetValue(checkpoint), parse.GetValue(model), parse.GetValue(adapter))
            {
                case ({ } from, null, null):
                    error.WriteLine($"sharpspeed convert: wrote {CheckpointConsolidator.Consolidate(from, outputPath, dtypeGiven ?? ScalarType.Float32)}");
                    return 0;
                case (null, { } baseDir, { } adapterDir):
                    error.WriteLine($"sharpspeed convert: wrote {Merge(baseDir, adapterDir, outputPath, dtypeGiven)}");
                    return 0;
                case (null, { } modelDir, null):
                    var result = ExportGguf(modelDir, outputPath, GgufOutType.Parse(parse.GetValue(outType)!), parse.GetValue(tokenizerPre), error);
                    error.WriteLine($"sharpspeed convert: wrote {result.Path} ({result.Architecture}, {result.Tensors} tensors, {result.Bytes:N0} bytes)");
                    return 0;
                default:
                    throw new ArgumentException(
                        "give either --checkpoint DIR (to an HF folder), --model BASE --adapter DIR (merged HF folder) or --model DIR (to FILE.gguf)");
            }
        });
        return command;
    }

    private static string Merge(string baseDir, string adapterDir, string outputDir, ScalarType? dtype)
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

    private static GgufExportResult ExportGguf(string modelDir, string output, GgufOutType outType, string? tokenizerPre, TextWriter log)
    {
        if (!output.EndsWith(".gguf", StringComparison.OrdinalIgnoreCase))
        {
            throw new ArgumentException($"--output '{output}': a GGUF export is written to a FILE.gguf (or give --adapter to merge a LoRA adapter)");
        }
        var config = ModelConfig.LoadFromDirectory(modelDir);
        var eos = config.EosTokenIds.Count > 0 ? config.EosTokenIds[0] : (int?)null;
        var tokenizerKeys = GgufVocabulary.For(modelDir, config.VocabSize,
            new SpecialTokenIds(config.BosTokenId, eos, config.PadTokenId), tokenizerPre);
        return LlamaGgufExport.Export(modelDir, output, outType, tokenizerKeys, log);
    }
}
