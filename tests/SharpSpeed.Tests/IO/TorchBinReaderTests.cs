using SharpSpeed.IO;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>PyTorch .bin checkpoints written by real torch.save (Debian python3-torch) load to the exact values torch recorded.</summary>
public sealed class TorchBinReaderTests
{
    [Theory]
    [InlineData("fp32.bin")]
    [InlineData("fp16.bin")]
    [InlineData("bf16.bin")]
    public void StateDictLoadsBitExact(string fixture)
    {
        using var scope = NewDisposeScope();
        var loaded = TorchBinReader.Load(IoFixtures.File(fixture));
        StateDictFilesTests.AssertBitEqual(IoFixtures.Expected(fixture), loaded);
        Assert.Equal(ScalarType.Int64, loaded["position_ids"].dtype);
    }

    [Fact]
    public void SharedStorageViewsBecomeIndependentContiguousTensors()
    {
        using var scope = NewDisposeScope();
        var loaded = TorchBinReader.Load(IoFixtures.File("shared.bin"));

        StateDictFilesTests.AssertBitEqual(IoFixtures.Expected("shared.bin"), loaded);
        Assert.All(loaded.Values, t => Assert.True(t.is_contiguous()));
        using var minusOne = (-1).ToScalar();
        loaded["base"].fill_(minusOne);
        Assert.Equal(0.5f, loaded["rows_1_2"][0, 0].item<float>());
        Assert.Equal(0f, loaded["tied"][0, 0].item<float>());
    }

    [Fact]
    public void ShardedBinFolderLoadsThroughItsIndex()
    {
        using var scope = NewDisposeScope();
        var loaded = StateDictFiles.Load(IoFixtures.File("sharded"));
        StateDictFilesTests.AssertBitEqual(IoFixtures.Expected("sharded"), loaded);
    }

    [Fact]
    public void LoadConvertsBf16CheckpointToFloat32()
    {
        using var scope = NewDisposeScope();
        var loaded = TorchBinReader.Load(IoFixtures.File("bf16.bin"), ScalarType.Float32);
        foreach (var (name, expected) in IoFixtures.Expected("bf16.bin"))
        {
            var want = expected.is_floating_point() ? expected.to_type(ScalarType.Float32) : expected;
            Assert.Equal(want.dtype, loaded[name].dtype);
            Assert.True(want.bytes.SequenceEqual(loaded[name].bytes), $"tensor '{name}' differs");
        }
    }

    [Fact]
    public void PickleCallingOsSystemIsRefusedWithoutRunningIt()
    {
        var error = Assert.Throws<ModelFileException>(() => TorchBinReader.Load(IoFixtures.File("malicious.bin")));
        Assert.Contains("malicious.bin", error.Message);
        Assert.Contains("'os.system' is not allowed", error.Message);
    }

    [Fact]
    public void TruncatedCheckpointGivesAClearError()
    {
        using var folder = new TempFolder();
        var bytes = File.ReadAllBytes(IoFixtures.File("fp32.bin"));
        var path = folder.File("pytorch_model.bin");
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);

        var error = Assert.Throws<ModelFileException>(() => StateDictFiles.Load(folder.Path));
        Assert.Contains(path, error.Message);
    }

    [Fact]
    public void LegacyOrForeignFileIsRefused()
    {
        using var folder = new TempFolder();
        var path = folder.File("pytorch_model.bin");
        File.WriteAllBytes(path, [0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46]);
        var error = Assert.Throws<ModelFileException>(() => TorchBinReader.Load(path));
        Assert.Contains("not a zip-format PyTorch checkpoint", error.Message);
    }

    [Fact]
    public void FuzzedCheckpointsLoadOrFailWithTheFormatError()
    {
        // Whole-file mutations (zip directory, local headers, pickle, storages), run in memory: every outcome is
        // a load or a ModelFileException, never another exception, a crash or a huge allocation.
        var original = File.ReadAllBytes(IoFixtures.File("fp32.bin"));
        var random = new Random(777);
        var rejected = 0;
        for (var i = 0; i < 2000; i++)
        {
            var mutated = Mutations.Apply(original, random);
            using var scope = NewDisposeScope();
            try
            {
                TorchBinReader.Load(new MemoryStream(mutated), "fuzz.bin", dtype: null);
            }
            catch (ModelFileException)
            {
                rejected++;
            }
        }
        Assert.True(rejected > 100, $"only {rejected} of 2000 mutations were rejected");
    }
}
