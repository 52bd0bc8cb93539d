using SharpSpeed.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Models;

/// <summary>
/// Reads and writes complete HF model folders: config.json, generation_config.json, safetensors weights
/// (sharded with an index when large) and the tokenizer files.
/// </summary>
public static class ModelFolder
{
    /// <summary>The tokenizer files HF's AutoTokenizer reads from a model folder.</summary>
    public static IReadOnlyList<string> TokenizerFiles { get; } =
        ["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"];

    /// <summary>Loads a model folder; weights are converted to <paramref name="dtype"/> (default: the config's torch_dtype).</summary>
    public static LlamaForCausalLM Load(string modelDir, ScalarType? dtype = null)
    {
        var config = ModelConfig.LoadFromDirectory(modelDir);
        var target = dtype ?? DtypeOf(config.TorchDtype);
        Dictionary<string, Tensor> tensors;
        try
        {
            tensors = StateDictFiles.Load(modelDir, target);
        }
        catch (ModelFileException e) when (MissingTensors.FirstMissing(config, modelDir) is { } missing)
        {
            throw new ModelFileException(e.FilePath, $"tensor '{missing}' is missing from the weights' header (reading them stopped at: {e.Message})", e);
        }
        try
        {
            return LlamaForCausalLM.FromStateDict(config, tensors, modelDir, target);
        }
        catch
        {
            foreach (var tensor in tensors.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Writes config.json (torch_dtype set from the weights), generation_config.json and the weights in HF layout.
    /// </summary>
    public static void Save(LlamaForCausalLM model, string modelDir, long maxShardBytes = StateDictFiles.DefaultMaxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(model);
        Save(model.Config, model.state_dict(), modelDir, maxShardBytes);
    }

    /// <summary>The same from weights held elsewhere (a ZeRO-3 model's values live in the engine's partitions).</summary>
    public static void Save(ModelConfig modelConfig, IReadOnlyDictionary<string, Tensor> weights, string modelDir,
        long maxShardBytes = StateDictFiles.DefaultMaxShardBytes)
    {
        ArgumentNullException.ThrowIfNull(modelConfig);
        ArgumentNullException.ThrowIfNull(weights);
        Directory.CreateDirectory(modelDir);
        StateDictFiles.Save(modelDir, weights, maxShardBytes);
        SaveConfig(modelConfig, weights.Values.First().dtype, modelDir);
    }

    /// <summary>config.json and generation_config.json alone (a ZeRO-3 checkpoint saved without consolidated weights).</summary>
    public static void SaveConfig(ModelConfig modelConfig, ScalarType dtype, string modelDir)
    {
        ArgumentNullException.ThrowIfNull(modelConfig);
        Directory.CreateDirectory(modelDir);
        var config = modelConfig with { TorchDtype = DtypeName(dtype) };
        File.WriteAllText(Path.Combine(modelDir, ModelConfig.ConfigFileName), config.ToConfigJson());
        File.WriteAllText(Path.Combine(modelDir, ModelConfig.GenerationConfigFileName), config.ToGenerationConfigJson());
    }

    /// <summary>Copies tokenizer.json (+ tokenizer_config.json, special_tokens_map.json when present) into a model folder.</summary>
    public static void CopyTokenizer(string tokenizerFileOrDir, string modelDir)
    {
        var sourceDir = Directory.Exists(tokenizerFileOrDir)
            ? tokenizerFileOrDir
            : Path.GetDirectoryName(Path.GetFullPath(tokenizerFileOrDir))!;
        var tokenizerJson = Directory.Exists(tokenizerFileOrDir)
            ? Path.Combine(tokenizerFileOrDir, TokenizerFiles[0])
            : tokenizerFileOrDir;
        if (!File.Exists(tokenizerJson))
        {
            throw new FileNotFoundException($"{tokenizerJson}: tokenizer file not found", tokenizerJson);
        }
        Directory.CreateDirectory(modelDir);
        File.Copy(tokenizerJson, Path.Combine(modelDir, TokenizerFiles[0]), overwrite: true);
        foreach (var name in TokenizerFiles.Skip(1))
        {
            var source = Path.Combine(sourceDir, name);
            if (File.Exists(source))
            {
                File.Copy(source, Path.Combine(modelDir, name), overwrite: true);
            }
        }
    }

    public static ScalarType DtypeOf(string torchDtype) => torchDtype switch
    {
        "float32" => ScalarType.Float32,
        "bfloat16" => ScalarType.BFloat16,
        "float16" => ScalarType.Float16,
        _ => throw new ArgumentException($"torch_dtype '{torchDtype}' is not supported (float32, bfloat16, float16)"),
    };

    public static string DtypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        _ => throw new ArgumentException($"dtype {dtype} is not a model weight type (float32, bfloat16, float16)"),
    };
}
