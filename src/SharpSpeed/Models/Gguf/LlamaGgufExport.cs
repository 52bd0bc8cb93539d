using SharpSpeed.IO;
using SharpSpeed.IO.Gguf;

namespace SharpSpeed.Models.Gguf;

/// <summary>What one export wrote.</summary>
public sealed record GgufExportResult(string Path, int Tensors, long Bytes, string Architecture);

/// <summary>
/// An HF model folder (LLaMA, DeepSeek-LLM, Mistral, Qwen2) as one GGUF file for llama.cpp, LLamaSharp and Ollama:
/// general and architecture keys, the tokenizer keys the caller built, then the tensors. Weights are held in
/// their stored dtype and converted one tensor at a time, so memory stays near the model's own size.
/// </summary>
public static class LlamaGgufExport
{
    public static GgufExportResult Export(
        string modelDir, string outputPath, GgufOutType outType, IReadOnlyList<KeyValuePair<string, GgufValue>> tokenizerKeys,
        TextWriter? log = null)
    {
        var config = ModelConfig.LoadFromDirectory(modelDir);
        if (config.SlidingWindow is { } window && window < config.MaxPositionEmbeddings)
        {
            // llama.cpp's llama architecture attends globally: identical up to the window, not beyond it.
            log?.WriteLine(
                $"note: sliding_window {window} is not carried into GGUF; llama.cpp attends over the whole context");
        }
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(Path.GetFullPath(modelDir)));
        var metadata = LlamaGgufMetadata.For(config, name, outType);
        metadata.AddRange(tokenizerKeys);
        var stateDict = StateDictFiles.Load(modelDir);
        try
        {
            var tensors = LlamaGgufTensors.For(config, stateDict, outType);
            var directory = Path.GetDirectoryName(Path.GetFullPath(outputPath));
            if (directory is not null)
            {
                Directory.CreateDirectory(directory);
            }
            GgufWriter.Write(outputPath, metadata, tensors);
            return new GgufExportResult(outputPath, tensors.Count, new FileInfo(outputPath).Length,
                LlamaGgufMetadata.ArchitectureOf(config));
        }
        finally
        {
            foreach (var tensor in stateDict.Values)
            {
                tensor.Dispose();
            }
        }
    }
}
