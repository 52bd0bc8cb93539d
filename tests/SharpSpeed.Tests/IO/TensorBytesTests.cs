using SharpSpeed.IO;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.IO;

/// <summary>The chunked copy that lets tensors over 2 GiB (beyond one Span) stream in and out, exercised with tiny chunks.</summary>
public sealed class TensorBytesTests
{
    [Theory]
    [InlineData(4)]
    [InlineData(12)]
    [InlineData(1000)]
    public void ChunkedWriteThenReadRoundTrips(long chunkBytes)
    {
        using var scope = NewDisposeScope();
        var source = tensor(Enumerable.Range(0, 10).Select(i => (float)i).ToArray()).reshape(2, 5).t();
        using var stream = new MemoryStream();

        TensorBytes.WriteFrom(source, stream, chunkBytes);

        Assert.Equal(40, stream.Length);
        stream.Position = 0;
        var target = empty(new long[] { 5, 2 });
        TensorBytes.ReadInto(stream, target, chunkBytes);
        Assert.Equal(new[] { 0f, 5f, 1f, 6f, 2f, 7f, 3f, 8f, 4f, 9f }, target.data<float>().ToArray());
    }
}
