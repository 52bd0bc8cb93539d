using SharpSpeed.IO;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>Our reader and writer against a safetensors file written by an independent Python writer (make_bin_fixtures.py).</summary>
public sealed class SafetensorsFormatTests
{
    [Fact]
    public void ReaderLoadsTheIndependentlyWrittenFileBitExact()
    {
        using var scope = NewDisposeScope();
        var loaded = SafetensorsReader.Load(IoFixtures.File("reference.safetensors"));
        StateDictFilesTests.AssertBitEqual(IoFixtures.Expected("reference.safetensors"), loaded);
        Assert.Equal("pt", SafetensorsReader.ReadHeader(IoFixtures.File("reference.safetensors")).Metadata["format"]);
    }

    [Fact]
    public void WriterReproducesTheIndependentFileByteForByte()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = folder.File("ours.safetensors");

        SafetensorsWriter.Save(path, IoFixtures.Expected("reference.safetensors"));

        Assert.Equal(File.ReadAllBytes(IoFixtures.File("reference.safetensors")), File.ReadAllBytes(path));
        Assert.False(File.Exists(path + ".tmp"));
    }

    [Fact]
    public void HeaderIsPaddedWithSpacesToEightBytes()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["abc"] = ones(3) });

        var bytes = File.ReadAllBytes(path);
        var headerLength = (int)BitConverter.ToUInt64(bytes, 0);
        var header = System.Text.Encoding.UTF8.GetString(bytes, 8, headerLength);
        Assert.StartsWith("{\"__metadata__\":{\"format\":\"pt\"},\"abc\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]}}", header);
        var json = header.TrimEnd(' ');
        Assert.EndsWith("}", json);
        Assert.Equal(headerLength - headerLength % 8, headerLength);
        Assert.True(headerLength - json.Length < 8, "padding is at most 7 spaces");
        Assert.Equal(8 + headerLength + 12, bytes.Length);
    }

    [Fact]
    public void NonContiguousAndGradientTensorsAreWrittenByValue()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = folder.File("x.safetensors");
        var matrix = tensor(new float[] { 0, 1, 2, 3, 4, 5 }).reshape(2, 3);
        var parameter = ones(2, requires_grad: true);

        SafetensorsWriter.Save(path, new Dictionary<string, Tensor> { ["t"] = matrix.t(), ["p"] = parameter });

        var loaded = SafetensorsReader.Load(path);
        Assert.Equal(new[] { 0f, 3f, 1f, 4f, 2f, 5f }, loaded["t"].data<float>().ToArray());
        Assert.Equal(new long[] { 3, 2 }, loaded["t"].shape);
        Assert.Equal(new[] { 1f, 1f }, loaded["p"].data<float>().ToArray());
    }
}
