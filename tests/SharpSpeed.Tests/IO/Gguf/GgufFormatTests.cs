using System.Buffers.Binary;
using System.Runtime.InteropServices;
using System.Text;
using SharpSpeed.IO.Gguf;

namespace SharpSpeed.Tests.IO.Gguf;

/// <summary>The GGUF container: what the writer writes the reader reads back, and damaged files are refused in one line.</summary>
public sealed class GgufFormatTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static GgufTensor Floats(string name, long[] shape, float[] values) =>
        new(name, shape, GgmlType.F32, s => s.Write(MemoryMarshal.AsBytes(values.AsSpan())));

    private string WriteSmall(string name = "small.gguf")
    {
        var path = _folder.File(name);
        GgufWriter.Write(path,
            [new("general.architecture", GgufValue.Of("llama"))],
            [Floats("a", [3], [1f, 2f, 3f]), Floats("b", [2, 2], [4f, 5f, 6f, 7f])]);
        return path;
    }

    [Fact]
    public void EveryValueTypeAndTensorTypeRoundTrips()
    {
        var path = _folder.File("all.gguf");
        var q8Source = Enumerable.Range(0, 64).Select(i => MathF.Sin(i) * 3).ToArray();
        var q8 = new byte[GgmlTypes.RowBytes(GgmlType.Q8_0, 64)];
        Q8Blocks.Quantize(q8Source, q8);
        var halves = new[] { (Half)1.5f, (Half)(-2.25f) };
        GgufWriter.Write(path,
            [
                new("general.alignment", GgufValue.Of(64u)),
                new("s", GgufValue.Of("héllo ☃")),
                new("i", GgufValue.Of(-7)),
                new("u", GgufValue.Of(7u)),
                new("f", GgufValue.Of(0.25f)),
                new("b", GgufValue.Of(true)),
                new("u64", GgufValue.Of(1UL << 40)),
                new("strings", GgufValue.Of(["a", "", "ü b"])),
                new("ints", GgufValue.Of([1, -2, 3])),
                new("floats", GgufValue.Of([0.5f, -1f])),
            ],
            [
                Floats("x.weight", [2, 3, 1], [1, 2, 3, 4, 5, 6]),
                new("h", [2], GgmlType.F16, s => s.Write(MemoryMarshal.AsBytes(halves.AsSpan()))),
                new("bf", [2], GgmlType.BF16, s => s.Write([0x80, 0x3f, 0x00, 0xc0])), // 1.0, -2.0
                new("q", [64], GgmlType.Q8_0, s => s.Write(q8)),
            ]);

        var file = GgufReader.Read(path);
        Assert.Equal(3u, file.Version);
        Assert.Equal(64, file.Alignment);
        Assert.Equal(["general.alignment", "s", "i", "u", "f", "b", "u64", "strings", "ints", "floats"], file.MetadataOrder);
        Assert.Equal("héllo ☃", file["s"].AsString());
        Assert.Equal(GgufValueType.Int32, file["i"].Type);
        Assert.Equal(-7, file["i"].AsInteger());
        Assert.Equal(GgufValueType.UInt32, file["u"].Type);
        Assert.Equal(0.25, file["f"].AsFloat());
        Assert.True(file["b"].AsBool());
        Assert.Equal(1L << 40, file["u64"].AsInteger());
        Assert.Equal(["a", "", "ü b"], file["strings"].AsStrings());
        Assert.Equal([1, -2, 3], file["ints"].AsInt32s());
        Assert.Equal([0.5f, -1f], file["floats"].AsFloat32s());

        Assert.Equal([2L, 3, 1], file.Tensor("x.weight").Shape);
        Assert.All(file.Tensors, t => Assert.Equal(0, t.Offset % 64));
        Assert.Equal(0, file.DataStart % 64);
        Assert.Equal([1f, 2, 3, 4, 5, 6], file.ReadTensorFloats("x.weight"));
        Assert.Equal([1.5f, -2.25f], file.ReadTensorFloats("h"));
        Assert.Equal([1f, -2f], file.ReadTensorFloats("bf"));
        Assert.Equal(q8, file.ReadTensorBytes("q"));
    }

    [Fact]
    public void DimensionsAreStoredInnermostFirstAsGgmlCountsThem()
    {
        var path = _folder.File("dims.gguf");
        GgufWriter.Write(path, [], [Floats("m", [2, 3], [0, 0, 0, 0, 0, 0])]);
        var bytes = File.ReadAllBytes(path);
        var at = IndexOf(bytes, "m"u8) + 1;
        Assert.Equal(2u, BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(at)));
        Assert.Equal(3UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at + 4)));
        Assert.Equal(2UL, BinaryPrimitives.ReadUInt64LittleEndian(bytes.AsSpan(at + 12)));
    }

    [Fact]
    public void Q8BlocksRoundHalvesAwayFromZeroWithTheFloat32Scale()
    {
        // max |x| = 127 gives d = 1 exactly, so every quantised value is round(x) with C's roundf.
        var values = new float[32];
        values[0] = 127f;
        values[1] = 2.5f;
        values[2] = -2.5f;
        values[3] = 0.49f;
        values[4] = -126.5f;
        var blocks = new byte[34];
        Q8Blocks.Quantize(values, blocks);
        Assert.Equal((Half)1f, BinaryPrimitives.ReadHalfLittleEndian(blocks));
        Assert.Equal(new sbyte[] { 127, 3, -3, 0, -127 }, blocks[2..7].Select(b => (sbyte)b));

        var zeros = new byte[34];
        Q8Blocks.Quantize(new float[32], zeros);
        Assert.All(zeros, b => Assert.Equal(0, b));
    }

    [Theory]
    [InlineData(0, 0x00, "not a GGUF file")]
    [InlineData(4, 0x02, "version 2")]
    public void AWrongMagicOrVersionIsRefused(int offset, byte value, string expected)
    {
        var path = WriteSmall();
        var bytes = File.ReadAllBytes(path);
        bytes[offset] = value;
        File.WriteAllBytes(path, bytes);
        Assert.Contains(expected, Assert.Throws<InvalidDataException>(() => GgufReader.Read(path)).Message);
    }

    [Fact]
    public void EveryTruncationBeforeTheLastTensorEndsIsRefusedWithTheFileName()
    {
        var path = WriteSmall();
        var bytes = File.ReadAllBytes(path);
        var whole = GgufReader.Read(path);
        // The padding after the last tensor is not data: a file may end where the last tensor ends.
        var dataEnd = whole.DataStart + whole.Tensors.Max(t => t.Offset + t.ByteLength);
        var cut = _folder.File("cut.gguf");
        for (var length = 0; length < dataEnd; length++)
        {
            File.WriteAllBytes(cut, bytes[..length]);
            var error = Assert.Throws<InvalidDataException>(() => GgufReader.Read(cut));
            Assert.StartsWith(cut, error.Message);
        }
    }

    [Fact]
    public void BadTensorOffsetsAreRefused()
    {
        var path = WriteSmall();
        var original = File.ReadAllBytes(path);
        // Tensor "b" is an info record: name, n_dims, 2 dims, type, then its offset.
        var offsetOfB = IndexOf(original, "\u0001\0\0\0\0\0\0\0b"u8) + 9 + 4 + 16 + 4;
        string Refusal(ulong offset)
        {
            var bytes = (byte[])original.Clone();
            BinaryPrimitives.WriteUInt64LittleEndian(bytes.AsSpan(offsetOfB), offset);
            File.WriteAllBytes(path, bytes);
            return Assert.Throws<InvalidDataException>(() => GgufReader.Read(path)).Message;
        }
        Assert.Contains("not a multiple of the alignment", Refusal(33));
        Assert.Contains("overlaps", Refusal(0));
        Assert.Contains("past the end of the file", Refusal(1 << 20));
    }

    [Fact]
    public void HugeLengthsAndUnknownTypesAreRefused()
    {
        var path = WriteSmall();
        var original = File.ReadAllBytes(path);
        string Refusal(int at, byte[] patch)
        {
            var bytes = (byte[])original.Clone();
            patch.CopyTo(bytes, at);
            File.WriteAllBytes(path, bytes);
            return Assert.Throws<InvalidDataException>(() => GgufReader.Read(path)).Message;
        }
        Assert.Contains("cannot fit", Refusal(8, BitConverter.GetBytes(ulong.MaxValue)));  // tensor count
        Assert.Contains("runs past the end", Refusal(24, BitConverter.GetBytes(1UL << 40))); // first key length
        var typeAt = 24 + 8 + "general.architecture".Length;
        Assert.Contains("unknown GGUF value type 13", Refusal(typeAt, BitConverter.GetBytes(13u)));
        var offsetOfA = IndexOf(original, "\u0001\0\0\0\0\0\0\0a"u8) + 9;
        Assert.Contains("5 dimensions", Refusal(offsetOfA, BitConverter.GetBytes(5u)));
        Assert.Contains("ggml type 2 is not supported", Refusal(offsetOfA + 4 + 8, BitConverter.GetBytes(2u)));
    }

    [Fact]
    public void TheWriterRefusesDuplicatesAndShortTensorData()
    {
        var path = _folder.File("bad.gguf");
        Assert.Contains("duplicate tensor name 'a'",
            Assert.Throws<ArgumentException>(() => GgufWriter.Write(path, [], [Floats("a", [1], [1f]), Floats("a", [1], [2f])])).Message);
        Assert.Contains("wrote 4 bytes",
            Assert.Throws<InvalidOperationException>(() => GgufWriter.Write(path, [], [Floats("a", [2], [1f])])).Message);
        Assert.False(File.Exists(path), "a failed write leaves no file");
        Assert.Contains("not a whole number of Q8_0 blocks",
            Assert.Throws<ArgumentException>(() => GgufWriter.Write(path, [], [new GgufTensor("q", [3, 40], GgmlType.Q8_0, _ => { })])).Message);
    }

    private static int IndexOf(byte[] haystack, ReadOnlySpan<byte> needle)
    {
        var at = haystack.AsSpan().IndexOf(needle);
        Assert.True(at >= 0, $"'{Encoding.UTF8.GetString(needle)}' not found");
        return at;
    }
}
