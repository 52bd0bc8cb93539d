using SharpSpeed.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>Model folders written by <see cref="StateDictFiles.Save"/> load back bit-exactly, sharded or not.</summary>
public sealed class StateDictFilesTests
{
    private static Dictionary<string, Tensor> SampleStateDict()
    {
        var generator = new Generator(1234);
        return new Dictionary<string, Tensor>
        {
            ["model.embed_tokens.weight"] = randn(new long[] { 16, 8 }, generator: generator).to_type(ScalarType.BFloat16),
            ["model.layers.0.self_attn.q_proj.weight"] = randn(new long[] { 8, 8 }, generator: generator).to_type(ScalarType.Float16),
            ["model.layers.0.input_layernorm.weight"] = randn(new long[] { 8 }, generator: generator),
            ["lm_head.weight"] = randn(new long[] { 16, 8 }, generator: generator).to_type(ScalarType.BFloat16),
            ["position_ids"] = tensor(new long[] { 0, 1, 2, 3, 4 }),
            ["mask"] = tensor(new[] { true, false, true }),
            ["scalar"] = tensor(3.5),
            ["empty"] = zeros(new long[] { 0, 4 }),
        };
    }

    internal static void AssertBitEqual(IReadOnlyDictionary<string, Tensor> expected, IReadOnlyDictionary<string, Tensor> actual)
    {
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (name, want) in expected)
        {
            var got = actual[name];
            Assert.Equal(want.dtype, got.dtype);
            Assert.Equal(want.shape, got.shape);
            Assert.True(want.contiguous().bytes.SequenceEqual(got.bytes), $"tensor '{name}' differs");
        }
    }

    [Fact]
    public void UnshardedSaveWritesOneFileAndLoadsBitExact()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = SampleStateDict();

        StateDictFiles.Save(folder.Path, tensors);

        Assert.Equal(new[] { "model.safetensors" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName));
        Assert.Equal("pt", SafetensorsReader.ReadHeader(folder.File("model.safetensors")).Metadata["format"]);
        AssertBitEqual(tensors, StateDictFiles.Load(folder.Path));
    }

    [Fact]
    public void ShardedSaveSplitsLikeHuggingFaceAndLoadsBitExact()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = SampleStateDict();

        // Greedy fill to 300 bytes in dictionary order: [embed 256] [q_proj 128 + norm 32] [lm_head 256 + position_ids 40
        // + mask 3] [scalar 8 + empty 0].
        StateDictFiles.Save(folder.Path, tensors, maxShardBytes: 300);

        var index = ShardIndex.Read(folder.File("model.safetensors.index.json"));
        var expectedTotal = tensors.Values.Sum(t => t.numel() * t.element_size());
        Assert.Equal(expectedTotal, index.TotalSize);
        Assert.Equal("model-00001-of-00004.safetensors", index.WeightMap["model.embed_tokens.weight"]);
        Assert.Equal("model-00002-of-00004.safetensors", index.WeightMap["model.layers.0.self_attn.q_proj.weight"]);
        Assert.Equal("model-00002-of-00004.safetensors", index.WeightMap["model.layers.0.input_layernorm.weight"]);
        Assert.Equal("model-00003-of-00004.safetensors", index.WeightMap["lm_head.weight"]);
        Assert.Equal("model-00003-of-00004.safetensors", index.WeightMap["position_ids"]);
        Assert.Equal("model-00003-of-00004.safetensors", index.WeightMap["mask"]);
        Assert.Equal("model-00004-of-00004.safetensors", index.WeightMap["scalar"]);
        Assert.Equal("model-00004-of-00004.safetensors", index.WeightMap["empty"]);
        Assert.False(File.Exists(folder.File("model.safetensors")));
        AssertBitEqual(tensors, StateDictFiles.Load(folder.Path));
    }

    [Fact]
    public void ResavingUnshardedRemovesStaleShards()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = SampleStateDict();
        StateDictFiles.Save(folder.Path, tensors, maxShardBytes: 300);
        File.WriteAllText(folder.File("config.json"), "{}");

        StateDictFiles.Save(folder.Path, tensors);

        Assert.Equal(new[] { "config.json", "model.safetensors" }, Directory.GetFiles(folder.Path).Select(Path.GetFileName).Order());
        AssertBitEqual(tensors, StateDictFiles.Load(folder.Path));
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float16)]
    [InlineData(ScalarType.BFloat16)]
    public void LoadConvertsFloatingTensorsAndKeepsIntegers(ScalarType target)
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var tensors = SampleStateDict();
        StateDictFiles.Save(folder.Path, tensors, maxShardBytes: 300);

        var loaded = StateDictFiles.Load(folder.Path, target);

        foreach (var (name, original) in tensors)
        {
            var expected = original.is_floating_point() ? original.to_type(target) : original;
            Assert.Equal(expected.dtype, loaded[name].dtype);
            Assert.True(expected.bytes.SequenceEqual(loaded[name].bytes), $"tensor '{name}' differs after conversion to {target}");
        }
    }

    [Fact]
    public void ShardIndexIsWrittenByteForByteAsHuggingFaceWritesIt()
    {
        // The fixture index was written by json.dumps(index, indent=2, sort_keys=True) + "\n", as transformers does.
        using var folder = new TempFolder();
        var reference = IoFixtures.File("sharded/pytorch_model.bin.index.json");
        var path = folder.File("index.json");

        ShardIndex.Read(reference).Write(path);

        Assert.Equal(File.ReadAllText(reference), File.ReadAllText(path));
    }

    [Fact]
    public void IntegerLoadDtypeIsRejectedUpFront()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<ArgumentException>(() => StateDictFiles.Load(folder.Path, ScalarType.Int32));
        Assert.Contains("load dtype must be a floating type", error.Message);
    }

    [Fact]
    public void FolderWithoutWeightsNamesWhatWasLookedFor()
    {
        using var folder = new TempFolder();
        var error = Assert.Throws<FileNotFoundException>(() => StateDictFiles.Load(folder.Path));
        Assert.Contains("model.safetensors.index.json", error.Message);
        Assert.Contains("pytorch_model.bin", error.Message);
    }
}
