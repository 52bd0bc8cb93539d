using System.Text;
using SharpSpeed.IO;

namespace SharpSpeed.Tests.IO;

/// <summary>Truncated, lying and garbage safetensors files give one clear error naming the file (and tensor).</summary>
public sealed class SafetensorsValidationTests
{
    private static string Write(TempFolder folder, string json, int dataBytes, ulong? claimedLength = null)
    {
        var header = Encoding.UTF8.GetBytes(json);
        var path = folder.File("bad.safetensors");
        using var stream = File.Create(path);
        stream.Write(BitConverter.GetBytes(claimedLength ?? (ulong)header.Length));
        stream.Write(header);
        stream.Write(new byte[dataBytes]);
        return path;
    }

    private static void AssertRejected(string path, string expected)
    {
        var error = Assert.Throws<ModelFileException>(() => SafetensorsReader.Load(path));
        Assert.StartsWith(path + ": ", error.Message);
        Assert.Contains(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }

    [Theory]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}""", 4, "run past the end of the data")]
    [InlineData("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12, "tensor 'b': data_offsets [4, 12] overlaps")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "tensor 'a': data_offsets [4, 8] leaves a gap")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}""", 8, "data region has 8 bytes but the tensors cover 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[8,4]}}""", 8, "tensor 'a': data_offsets begin 8 > end 4")]
    [InlineData("""{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}""", 8, "tensor 'a': data_offsets span 8 bytes but F32[3] needs 12")]
    [InlineData("""{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}""", 8, "tensor 'a': shape entry -2 is not a non-negative integer")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,8]}}""", 8, "shape entry 1.5")]
    [InlineData("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,8]}}""", 8, "tensor 'a': shape [4611686018427387904,4] is too large")]
    [InlineData("""{"a":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[0,1]}}""", 1, "tensor 'a': unsupported dtype 'F8_E4M3'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1]}}""", 4, "tensor 'a': header entry needs dtype, shape and data_offsets")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}}""", 4, "unknown header field 'extra'")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}""", 8, "names 'a' twice")]
    [InlineData("""{"__metadata__":{"format":3}}""", 0, "__metadata__ key 'format' is not a string")]
    [InlineData("""{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}""", 4, "not valid UTF-8 JSON")]
    [InlineData("""[1,2,3]""", 0, "does not start with '{'")]
    [InlineData("""{"a":[1]}""", 0, "tensor 'a': header entry is not a JSON object")]
    public void LyingHeadersAreRejected(string json, int dataBytes, string expected)
    {
        using var folder = new TempFolder();
        AssertRejected(Write(folder, json, dataBytes), expected);
    }

    [Fact]
    public void HugeHeaderLengthIsRejectedBeforeAllocating()
    {
        using var folder = new TempFolder();
        AssertRejected(Write(folder, "{}", 0, claimedLength: ulong.MaxValue), "more than the 100000000-byte limit");
        AssertRejected(Write(folder, "{}", 0, claimedLength: 50_000_000), "only 2 follow (truncated?)");
    }

    [Fact]
    public void InvalidUtf8IsRejected()
    {
        using var folder = new TempFolder();
        var path = folder.File("bad.safetensors");
        byte[] header = [(byte)'{', (byte)'"', 0xC7, (byte)'"', (byte)':', (byte)'1', (byte)'}', (byte)' '];
        File.WriteAllBytes(path, [.. BitConverter.GetBytes(8UL), .. header]);
        AssertRejected(path, "not valid UTF-8 JSON");
    }

    [Fact]
    public void TruncatedAndTinyFilesAreRejected()
    {
        using var folder = new TempFolder();
        var path = folder.File("bad.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        AssertRejected(path, "too short for a safetensors header length");

        var good = Write(folder, """{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 16);
        var bytes = File.ReadAllBytes(good);
        File.WriteAllBytes(good, bytes[..^3]);
        AssertRejected(good, "tensor 'a': data_offsets [0, 16] run past the end of the data (13 bytes; file truncated?)");
    }

    [Fact]
    public void RandomBytesAreRejected()
    {
        using var folder = new TempFolder();
        var random = new Random(5);
        var path = folder.File("noise.safetensors");
        for (var i = 0; i < 20; i++)
        {
            var noise = new byte[random.Next(0, 4096)];
            random.NextBytes(noise);
            File.WriteAllBytes(path, noise);
            Assert.Throws<ModelFileException>(() => SafetensorsReader.Load(path));
        }
    }

    [Fact]
    public void ShardIndexPointingOutsideTheFolderIsRejected()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("model.safetensors.index.json"), """{"metadata":{},"weight_map":{"a":"../secret.safetensors"}}""");
        var error = Assert.Throws<ModelFileException>(() => StateDictFiles.Load(folder.Path));
        Assert.Contains("weight_map entry 'a' names '../secret.safetensors'", error.Message);
    }

    [Fact]
    public void ShardMissingAListedTensorIsRejected()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var folder = new TempFolder();
        SafetensorsWriter.Save(folder.File("s1.safetensors"), new Dictionary<string, TorchSharp.torch.Tensor> { ["a"] = TorchSharp.torch.ones(1) });
        File.WriteAllText(folder.File("model.safetensors.index.json"), """{"metadata":{},"weight_map":{"a":"s1.safetensors","b":"s1.safetensors"}}""");
        var error = Assert.Throws<ModelFileException>(() => StateDictFiles.Load(folder.Path));
        Assert.Contains("tensor 'b' is mapped to 's1.safetensors' but that shard does not contain it", error.Message);
    }

    [Fact]
    public void IndexPointingAtAnIndexIsRejectedInsteadOfRecursing()
    {
        using var folder = new TempFolder();
        File.WriteAllText(folder.File("model.safetensors.index.json"), """{"metadata":{},"weight_map":{"a":"model.safetensors.index.json"}}""");
        var error = Assert.Throws<ModelFileException>(() => StateDictFiles.Load(folder.Path));
        Assert.Contains("points at another index", error.Message);
    }

    [Fact]
    public void ShardHoldingAnUnlistedTensorIsRejected()
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        using var folder = new TempFolder();
        SafetensorsWriter.Save(folder.File("s1.safetensors"), new Dictionary<string, TorchSharp.torch.Tensor>
        {
            ["a"] = TorchSharp.torch.ones(1),
            ["sneaky"] = TorchSharp.torch.ones(1),
        });
        File.WriteAllText(folder.File("model.safetensors.index.json"), """{"metadata":{},"weight_map":{"a":"s1.safetensors"}}""");
        var error = Assert.Throws<ModelFileException>(() => StateDictFiles.Load(folder.Path));
        Assert.Contains("s1.safetensors: tensor 'sneaky' is not in the weight_map of model.safetensors.index.json", error.Message);
    }
}
