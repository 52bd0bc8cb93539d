using TorchSharp;

namespace SharpSpeed.Engine;

/// <summary>Resolves a user's device string ("cpu", "cuda", "cuda:1") against what libtorch can use here.</summary>
public static class ComputeDevice
{
    public static torch.Device Resolve(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        var normalized = name.Trim().ToLowerInvariant();
        if (normalized == "cpu")
        {
            return torch.CPU;
        }
        if (normalized == "cuda" || normalized.StartsWith("cuda:", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
            {
                throw new InvalidOperationException(
                    $"device '{name}': CUDA is not available (this build links the {BuildInfo.TorchFlavour} libtorch " +
                    "or no GPU is visible); use --device cpu, or rebuild with -p:SharpSpeedTorch=cuda on a GPU machine");
            }
            var index = normalized == "cuda" ? 0 : ParseIndex(name, normalized["cuda:".Length..]);
            if (index >= torch.cuda.device_count())
            {
                throw new InvalidOperationException(
                    $"device '{name}': only {torch.cuda.device_count()} CUDA device(s) are visible");
            }
            return torch.device(DeviceType.CUDA, index);
        }
        throw new ArgumentException($"device '{name}' is not known: use cpu, cuda or cuda:N", nameof(name));
    }

    private static int ParseIndex(string name, string text) =>
        int.TryParse(text, out var index) && index >= 0
            ? index
            : throw new ArgumentException($"device '{name}': '{text}' is not a device index", nameof(name));
}
