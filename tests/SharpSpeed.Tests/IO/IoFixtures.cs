using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>
/// The committed files under tests/fixtures/io, written by make_bin_fixtures.py with Debian's PyTorch and an
/// independent Python safetensors writer, and the values PyTorch recorded for them in expected.json.
/// </summary>
internal static class IoFixtures
{
    public static string Folder { get; } = FindFolder();

    public static string File(string relative) => Path.Combine(Folder, relative);

    private static string FindFolder()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "tests", "fixtures", "io");
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        throw new DirectoryNotFoundException($"tests/fixtures/io not found above {AppContext.BaseDirectory}");
    }

    /// <summary>The tensors PyTorch saved into <paramref name="fixture"/>, rebuilt from their recorded bytes.</summary>
    public static Dictionary<string, Tensor> Expected(string fixture)
    {
        using var document = JsonDocument.Parse(System.IO.File.ReadAllBytes(File("expected.json")));
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var tensor in document.RootElement.GetProperty(fixture).EnumerateObject())
        {
            Assert.True(SharpSpeed.IO.SafetensorsDType.TryParse(tensor.Value.GetProperty("dtype").GetString()!, out var dtype));
            var shape = tensor.Value.GetProperty("shape").EnumerateArray().Select(d => d.GetInt64()).ToArray();
            var bytes = Convert.FromHexString(tensor.Value.GetProperty("hex").GetString()!);
            var value = empty(shape, dtype);
            bytes.CopyTo(value.bytes);
            result.Add(tensor.Name, value);
        }
        return result;
    }
}
