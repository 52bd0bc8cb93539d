using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SharpSpeed.Training.Checkpoints;

/// <summary>
/// checkpoint.json: every file of a checkpoint with its size and SHA-256, written last, inside the temporary
/// folder, just before the folder is renamed into place. A checkpoint whose files disagree with it (or that
/// has none) is torn and is never loaded.
/// </summary>
public sealed record CheckpointManifest(
    [property: JsonPropertyName("format")] string Format,
    [property: JsonPropertyName("global_step")] long GlobalStep,
    [property: JsonPropertyName("world_size")] int WorldSize,
    [property: JsonPropertyName("zero_stage")] int ZeroStage,
    [property: JsonPropertyName("files")] IReadOnlyDictionary<string, ManifestEntry> Files)
{
    public const string FileName = "checkpoint.json";
    public const string CurrentFormat = "sharpspeed-checkpoint-1";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>Hashes every file under <paramref name="directory"/> and writes the manifest there.</summary>
    public static CheckpointManifest Write(string directory, long globalStep, int worldSize, int zeroStage)
    {
        var files = Directory.EnumerateFiles(directory, "*", SearchOption.AllDirectories)
            .Select(path => Path.GetRelativePath(directory, path).Replace('\\', '/'))
            .Where(relative => relative != FileName)
            .Order(StringComparer.Ordinal)
            .ToDictionary(relative => relative, relative => Describe(Path.Combine(directory, relative)), StringComparer.Ordinal);
        var manifest = new CheckpointManifest(CurrentFormat, globalStep, worldSize, zeroStage, files);
        File.WriteAllText(Path.Combine(directory, FileName), JsonSerializer.Serialize(manifest, Indented));
        return manifest;
    }

    /// <summary>Reads and checks a checkpoint folder; throws <see cref="TornCheckpointException"/> naming what is wrong.</summary>
    public static CheckpointManifest Verify(string directory)
    {
        var path = Path.Combine(directory, FileName);
        if (!File.Exists(path))
        {
            throw new TornCheckpointException($"{directory}: no {FileName}: the checkpoint was not completed");
        }
        CheckpointManifest manifest;
        try
        {
            manifest = JsonSerializer.Deserialize<CheckpointManifest>(File.ReadAllText(path))
                       ?? throw new TornCheckpointException($"{path}: empty manifest");
        }
        catch (JsonException e)
        {
            throw new TornCheckpointException($"{path}: not a valid manifest ({e.Message})");
        }
        if (manifest.Format != CurrentFormat || manifest.Files is null)
        {
            throw new TornCheckpointException($"{path}: format '{manifest.Format}' is not {CurrentFormat}");
        }
        foreach (var (relative, expected) in manifest.Files)
        {
            var file = Path.GetFullPath(Path.Combine(directory, relative));
            if (!file.StartsWith(Path.GetFullPath(directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                throw new TornCheckpointException($"{path}: file '{relative}' lies outside the checkpoint");
            }
            if (!File.Exists(file))
            {
                throw new TornCheckpointException($"{directory}: '{relative}' is missing");
            }
            var actual = Describe(file);
            if (actual != expected)
            {
                throw new TornCheckpointException(
                    $"{directory}: '{relative}' has {actual.Bytes} bytes / sha256 {actual.Sha256[..12]}, the manifest says {expected.Bytes} / {expected.Sha256[..Math.Min(12, expected.Sha256.Length)]}");
            }
        }
        return manifest;
    }

    private static ManifestEntry Describe(string path)
    {
        using var stream = File.OpenRead(path);
        return new ManifestEntry(stream.Length, Convert.ToHexStringLower(SHA256.HashData(stream)));
    }
}

public sealed record ManifestEntry(
    [property: JsonPropertyName("bytes")] long Bytes,
    [property: JsonPropertyName("sha256")] string Sha256);
