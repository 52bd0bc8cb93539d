using System.IO.Compression;
using System.Text;
using SharpSpeed.IO;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>Hand-built pickles: what a lying or hostile checkpoint can try, and a fuzz over a real state dict's pickle.</summary>
public sealed class TorchPickleMachineTests
{
    /// <summary>{name: _rebuild_tensor_v2(storage(FloatStorage, "0", storageElements), offset, (size,), (1,), False, {})}.</summary>
    private static byte[] OneTensorPickle(string name, long storageElements, byte offset, byte size)
    {
        var code = new List<byte> { 0x80, 0x02, (byte)'}', (byte)'(' };
        void Text(string s)
        {
            var bytes = Encoding.UTF8.GetBytes(s);
            code.Add((byte)'X');
            code.AddRange(BitConverter.GetBytes(bytes.Length));
            code.AddRange(bytes);
        }
        Text(name);
        code.AddRange("ctorch._utils\n_rebuild_tensor_v2\n(("u8.ToArray());
        Text("storage");
        code.AddRange("ctorch\nFloatStorage\n"u8.ToArray());
        Text("0");
        Text("cpu");
        code.Add((byte)'J');
        code.AddRange(BitConverter.GetBytes((int)storageElements));
        code.AddRange(new byte[] { (byte)'t', (byte)'Q', (byte)'K', offset, (byte)'K', size, 0x85, (byte)'K', 1, 0x85, 0x89, (byte)'}', (byte)'t', (byte)'R', (byte)'u', (byte)'.' });
        return code.ToArray();
    }

    private static string WriteCheckpoint(TempFolder folder, byte[] pickle, int storageBytes)
    {
        var path = folder.File("model.bin");
        using (var zip = ZipFile.Open(path, ZipArchiveMode.Create))
        {
            using (var stream = zip.CreateEntry("archive/data.pkl", CompressionLevel.NoCompression).Open())
            {
                stream.Write(pickle);
            }
            using (var stream = zip.CreateEntry("archive/data/0", CompressionLevel.NoCompression).Open())
            {
                stream.Write(Enumerable.Range(0, storageBytes / 4).SelectMany(i => BitConverter.GetBytes((float)i)).ToArray());
            }
        }
        return path;
    }

    [Fact]
    public void HandBuiltCheckpointLoadsTheSlice()
    {
        using var scope = NewDisposeScope();
        using var folder = new TempFolder();
        var path = WriteCheckpoint(folder, OneTensorPickle("w", 4, offset: 1, size: 3), storageBytes: 16);
        Assert.Equal(new[] { 1f, 2f, 3f }, TorchBinReader.Load(path)["w"].data<float>().ToArray());
    }

    [Fact]
    public void ViewPastTheStorageEndIsRefused()
    {
        using var folder = new TempFolder();
        var path = WriteCheckpoint(folder, OneTensorPickle("w", 4, offset: 2, size: 3), storageBytes: 16);
        var error = Assert.Throws<ModelFileException>(() => TorchBinReader.Load(path));
        Assert.Contains("tensor 'w'", error.Message);
        Assert.Contains("reaches element 4 of a 4-element storage", error.Message);
    }

    [Fact]
    public void StorageEntryShorterThanDeclaredIsRefused()
    {
        using var folder = new TempFolder();
        var path = WriteCheckpoint(folder, OneTensorPickle("w", 4, offset: 0, size: 4), storageBytes: 12);
        var error = Assert.Throws<ModelFileException>(() => TorchBinReader.Load(path));
        Assert.Contains("has 12 bytes, expected 16", error.Message);
    }

    [Fact]
    public void ZipDirectoryClaimingAHugeStorageIsRefusedBeforeAllocating()
    {
        using var folder = new TempFolder();
        const uint claimedBytes = 0x40000000; // 1 GiB claimed by a file of a few hundred bytes
        var path = WriteCheckpoint(folder, OneTensorPickle("w", claimedBytes / 4, offset: 0, size: 4), storageBytes: 16);
        var bytes = File.ReadAllBytes(path);
        var name = "archive/data/0"u8.ToArray();
        for (var i = 0; i + 46 + name.Length <= bytes.Length; i++)
        {
            // Central directory header: signature PK\x01\x02, sizes at +20 (compressed) and +24, name at +46.
            if (bytes.AsSpan(i, 4).SequenceEqual("PK\x01\x02"u8) && bytes.AsSpan(i + 46, name.Length).SequenceEqual(name))
            {
                BitConverter.GetBytes(claimedBytes).CopyTo(bytes, i + 20);
                BitConverter.GetBytes(claimedBytes).CopyTo(bytes, i + 24);
            }
        }
        File.WriteAllBytes(path, bytes);

        var error = Assert.Throws<ModelFileException>(() => TorchBinReader.Load(path));
        Assert.Contains($"claims {claimedBytes} bytes, impossible for a {bytes.Length}-byte archive", error.Message);
    }

    [Theory]
    [InlineData("\u0080\u0002cbuiltins\neval\n.", "'builtins.eval' is not allowed")]
    [InlineData("\u0080\u0002ctorch\nload\n.", "'torch.load' is not allowed")]
    [InlineData("\u0080\u0002(S'x'\n.", "opcode 0x53")]
    [InlineData("\u0080\u0002h\x05.", "memo slot 5 is read before it is written")]
    [InlineData("\u0080\u0002}K\x01.", "unbalanced stack")]
    [InlineData("\u0080\u0002X\xff\xff\xff\x7f", "truncated")]
    [InlineData("\u0080\u0002ccollections\nOrderedDict\nK\x01\x85R.", "with 1 arguments")]
    public void HostileOrBrokenPicklesAreRefused(string pickle, string expected)
    {
        var code = pickle.Select(c => (byte)c).ToArray();
        var error = Assert.Throws<ModelFileException>(() => TorchPickleMachine.Run(code, "x.bin"));
        Assert.StartsWith("x.bin: ", error.Message);
        Assert.Contains(expected, error.Message);
    }

    [Fact]
    public void FuzzedStateDictPicklesNeverEscapeTheErrorType()
    {
        using var archive = ZipFile.OpenRead(IoFixtures.File("fp32.bin"));
        using var stream = archive.GetEntry("fp32/data.pkl")!.Open();
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        var original = buffer.ToArray();
        var random = new Random(20261129);
        var outcomes = new int[2];
        for (var i = 0; i < 5000; i++)
        {
            var mutated = Mutations.Apply(original, random);
            try
            {
                TorchPickleMachine.Run(mutated, "fuzz.bin");
                outcomes[0]++;
            }
            catch (ModelFileException)
            {
                outcomes[1]++;
            }
        }
        Assert.True(outcomes[1] > 1000, $"only {outcomes[1]} of 5000 mutations were rejected");
    }
}
