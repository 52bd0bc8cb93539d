using System.Reflection;

namespace SharpSpeed;

/// <summary>What this build of SharpSpeed was compiled against.</summary>
public static class BuildInfo
{
    /// <summary>"cpu" or "cuda": the libtorch package selected by the SharpSpeedTorch build property.</summary>
    public static string TorchFlavour { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "SharpSpeedTorch")?.Value ?? "cpu";

    public static string Version { get; } =
        typeof(BuildInfo).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
        ?? "unknown";
}
