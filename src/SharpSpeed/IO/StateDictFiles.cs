using System.Text.RegularExpressions;
using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// Weights of a HF model folder as a state dict (HF tensor name -> tensor), in the layouts HF transformers reads
/// and writes: <c>model.safetensors</c>, safetensors shards + <c>model.safetensors.index.json</c>,
/// <c>pytorch_model.bin</c>, or .bin shards + <c>pytorch_model.bin.index.json</c>.
/// </summary>
public static partial class StateDictFiles
{
    public const string SafetensorsFile = "model.safetensors";
    public const string SafetensorsIndexFile = "model.safetensors.index.json";
    public const string PyTorchFile = "pytorch_model.bin";
    public const string PyTorchIndexFile = "pytorch_model.bin.index.json";

    /// <summary>HF's default shard size for <c>save_pretrained</c> ("5GB" = 5e9 bytes).</summary>
    public const long DefaultMaxShardBytes = 5_000_000_000;

    /// <summary>
    /// Loads all tensors of a model folder (or of one weights file, or of one index file) onto the CPU. Floating
    /// tensors are converted to <paramref name="dtype"/> when given (integer and bool tensors are kept, as HF's
    /// torch_dtype does). Safetensors is preferred when a folder holds both formats, as in transformers.
    /// </summary>
    public static Dictionary<string, torch.Tensor> Load(string modelDir, torch.ScalarType? dtype = null)
    {
        if (dtype is { } target && !TensorBytes.IsFloating(target))
        {
            throw new ArgumentException($"load dtype must be a floating type (Float32, Float16, BFloat16, Float64), got {target}", nameof(dtype));
        }
        if (File.Exists(modelDir))
        {
            return LoadFile(modelDir, dtype);
        }
        if (!Directory.Exists(modelDir))
        {
            throw new DirectoryNotFoundException($"{modelDir}: model folder not found");
        }
        foreach (var name in new[] { SafetensorsFile, SafetensorsIndexFile, PyTorchFile, PyTorchIndexFile })
        {
            var candidate = Path.Combine(modelDir, name);
            if (File.Exists(candidate))
            {
                return LoadFile(candidate, dtype);
            }
        }
        throw new FileNotFoundException(
            $"{modelDir}: no weights found (looked for {SafetensorsFile}, {SafetensorsIndexFile}, {PyTorchFile}, {PyTorchIndexFile})");
    }

    /// <summary>Whether <paramref name="modelDir"/> holds weights in one of the formats <see cref="Load"/> reads.</summary>
    public static bool HasWeights(string modelDir) =>
        new[] { SafetensorsFile, SafetensorsIndexFile, PyTorchFile, PyTorchIndexFile }.Any(name => File.Exists(Path.Combine(modelDir, name)));

    private static Dictionary<string, torch.Tensor> LoadFile(string path, torch.ScalarType? dtype)
    {
        if (path.EndsWith(".index.json", StringComparison.Ordinal))
        {
            return LoadSharded(path, dtype);
        }
        if (path.EndsWith(".safetensors", StringComparison.Ordinal))
        {
            return SafetensorsReader.Load(path, dtype);
        }
        return TorchBinReader.Load(path, dtype);
    }

    private static Dictionary<string, torch.Tensor> LoadSharded(string indexPath, torch.ScalarType? dtype)
    {
        var index = ShardIndex.Read(indexPath);
        var folder = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var result = new Dictionary<string, torch.Tensor>(index.WeightMap.Count, StringComparer.Ordinal);
        try
        {
            foreach (var shard in index.ShardFiles)
            {
                var shardPath = Path.Combine(folder, shard);
                if (shard.EndsWith(".index.json", StringComparison.Ordinal))
                {
                    throw new ModelFileException(indexPath, $"weight_map points at another index '{shard}' instead of a weights file");
                }
                if (!File.Exists(shardPath))
                {
                    throw new ModelFileException(indexPath, $"shard '{shard}' listed in weight_map is missing");
                }
                var tensors = LoadFile(shardPath, dtype);
                var stray = tensors.Keys.FirstOrDefault(name => index.WeightMap.GetValueOrDefault(name) != shard);
                if (stray is not null)
                {
                    foreach (var loaded in tensors.Values)
                    {
                        loaded.Dispose();
                    }
                    var where = index.WeightMap.TryGetValue(stray, out var listed) ? $"is mapped to '{listed}'" : "is not in the weight_map";
                    throw new ModelFileException(shardPath, $"tensor '{stray}' {where} of {Path.GetFileName(indexPath)}");
                }
                foreach (var (name, tensor) in tensors)
                {
                    result.Add(name, tensor);
                }
            }
            var missing = index.WeightMap.Keys.FirstOrDefault(name => !result.ContainsKey(name));
            if (missing is not null)
            {
                throw new ModelFileException(indexPath, $"tensor '{missing}' is mapped to '{index.WeightMap[missing]}' but that shard does not contain it");
            }
            return result;
        }
        catch
        {
            foreach (var tensor in result.Values)
            {
                tensor.Dispose();
            }
            throw;
        }
    }

    /// <summary>
    /// Saves tensors as HF <c>save_pretrained</c> does: one <c>model.safetensors</c> when everything fits in
    /// <paramref name="maxShardBytes"/>, else <c>model-0000i-of-0000N.safetensors</c> shards (filled in the
    /// dictionary's order; a tensor larger than the limit gets a shard of its own) plus
    /// <c>model.safetensors.index.json</c>. Files are written with <c>{"format":"pt"}</c> metadata, and stale
    /// weight files from an earlier save into the same folder are removed so the folder loads unambiguously.
    /// </summary>
    public static void Save(string modelDir, IReadOnlyDictionary<string, torch.Tensor> tensors, long maxShardBytes = DefaultMaxShardBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        Directory.CreateDirectory(modelDir);
        var shards = PlanShards(tensors, maxShardBytes, out var totalSize);
        var written = new HashSet<string>(StringComparer.Ordinal);
        if (shards.Count == 1)
        {
            SafetensorsWriter.Save(Path.Combine(modelDir, SafetensorsFile), shards[0], SafetensorsWriter.PyTorchMetadata);
            written.Add(SafetensorsFile);
        }
        else
        {
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            for (var i = 0; i < shards.Count; i++)
            {
                var file = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
                SafetensorsWriter.Save(Path.Combine(modelDir, file), shards[i], SafetensorsWriter.PyTorchMetadata);
                written.Add(file);
                foreach (var name in shards[i].Keys)
                {
                    weightMap[name] = file;
                }
            }
            new ShardIndex(totalSize, weightMap).Write(Path.Combine(modelDir, SafetensorsIndexFile));
            written.Add(SafetensorsIndexFile);
        }
        RemoveStaleWeights(modelDir, written);
    }

    /// <summary>HF's greedy split (huggingface_hub split_torch_state_dict_into_shards), sizes = numel * element size.</summary>
    private static List<Dictionary<string, torch.Tensor>> PlanShards(
        IReadOnlyDictionary<string, torch.Tensor> tensors, long maxShardBytes, out long totalSize)
    {
        var shards = new List<Dictionary<string, torch.Tensor>>();
        var current = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
        long currentSize = 0;
        totalSize = 0;
        foreach (var (name, tensor) in tensors)
        {
            var size = checked(tensor.numel() * tensor.element_size());
            totalSize += size;
            if (size > maxShardBytes)
            {
                shards.Add(new Dictionary<string, torch.Tensor>(StringComparer.Ordinal) { [name] = tensor });
                continue;
            }
            if (currentSize + size > maxShardBytes && current.Count > 0)
            {
                shards.Add(current);
                current = new Dictionary<string, torch.Tensor>(StringComparer.Ordinal);
                currentSize = 0;
            }
            current[name] = tensor;
            currentSize += size;
        }
        if (current.Count > 0 || shards.Count == 0)
        {
            shards.Add(current);
        }
        return shards;
    }

    private static void RemoveStaleWeights(string modelDir, HashSet<string> written)
    {
        foreach (var file in Directory.EnumerateFiles(modelDir).Select(Path.GetFileName).OfType<string>())
        {
            var ours = file == SafetensorsFile || file == SafetensorsIndexFile || SafetensorsShardName().IsMatch(file);
            if (ours && !written.Contains(file))
            {
                File.Delete(Path.Combine(modelDir, file));
            }
        }
    }

    [GeneratedRegex(@"^model-\d{5}-of-\d{5}\.safetensors$")]
    private static partial Regex SafetensorsShardName();
}
