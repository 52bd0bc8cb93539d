using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;

namespace SharpSpeed.Models;

/// <summary>
/// Names the tensor a model folder lacks when its weights fail to load. A safetensors header that omits a tensor
/// (but keeps its bytes) fails as a gap in the data offsets, found at the tensor after it; the one line the user
/// needs names the missing tensor, which only the model's own list of tensors can supply.
/// </summary>
internal static class MissingTensors
{
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>The first tensor the model of <paramref name="config"/> needs that no header in the folder names.</summary>
    public static string? FirstMissing(ModelConfig config, string modelDir)
    {
        var present = HeaderNames(modelDir);
        if (present.Count == 0)
        {
            return null;
        }
        var recorder = new Recorder(present);
        // Meta tensors: the model is built for its names alone, with no memory behind its parameters.
        using (new LlamaForCausalLM(config, recorder))
        {
        }
        return recorder.FirstMissing;
    }

    /// <summary>Tensor names of every readable safetensors header in the folder (unreadable ones contribute none).</summary>
    private static HashSet<string> HeaderNames(string modelDir)
    {
        var names = new HashSet<string>(StringComparer.Ordinal);
        var prefix = new byte[8];
        foreach (var path in Directory.EnumerateFiles(modelDir, "*.safetensors"))
        {
            try
            {
                using var file = File.OpenRead(path);
                file.ReadExactly(prefix);
                var length = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
                if (length > (ulong)Math.Min(MaxHeaderBytes, file.Length - 8))
                {
                    continue;
                }
                var json = new byte[length];
                file.ReadExactly(json);
                using var document = JsonDocument.Parse(json);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    names.UnionWith(document.RootElement.EnumerateObject().Select(p => p.Name));
                }
            }
            catch (Exception e) when (e is IOException or JsonException)
            {
                // This header cannot say which tensors it has; the loader's own error stands for it.
            }
        }
        return names;
    }

    private sealed class Recorder(HashSet<string> present) : WeightSource
    {
        public string? FirstMissing { get; private set; }

        public override torch.Tensor Create(string name, long[] shape, WeightKind kind)
        {
            if (FirstMissing is null && !present.Contains(name))
            {
                FirstMissing = name;
            }
            return torch.empty(shape, device: torch.META);
        }
    }
}
