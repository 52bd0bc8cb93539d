using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>
/// Moves raw bytes between streams and torch-owned CPU memory without an intermediate managed buffer, so loading
/// or saving a model never holds a second copy of it. Large tensors go in chunks because a Span is int-sized.
/// </summary>
internal static class TensorBytes
{
    private const long ChunkBytes = 1L << 30;

    /// <summary>Fills the contiguous CPU tensor <paramref name="destination"/> with exactly its byte size read from <paramref name="source"/>.</summary>
    public static void ReadInto(Stream source, torch.Tensor destination, long chunkBytes = ChunkBytes)
    {
        ForEachChunk(destination, chunkBytes, span => source.ReadExactly(span));
    }

    /// <summary>Writes the raw bytes of <paramref name="tensor"/> (any device or layout) to <paramref name="destination"/>.</summary>
    public static void WriteFrom(torch.Tensor tensor, Stream destination, long chunkBytes = ChunkBytes)
    {
        using var scope = torch.NewDisposeScope();
        var data = tensor.detach().cpu().contiguous();
        ForEachChunk(data, chunkBytes, span => destination.Write(span));
    }

    private delegate void SpanAction(Span<byte> span);

    private static void ForEachChunk(torch.Tensor tensor, long chunkBytes, SpanAction action)
    {
        var count = tensor.numel();
        if (count == 0)
        {
            return;
        }
        using var scope = torch.NewDisposeScope();
        var flat = tensor.reshape(count);
        var chunkElements = Math.Max(1, chunkBytes / tensor.element_size());
        for (long start = 0; start < count; start += chunkElements)
        {
            var piece = flat.narrow(0, start, Math.Min(chunkElements, count - start));
            action(piece.bytes);
        }
    }

    /// <summary>Whether <paramref name="type"/> is a floating type that a requested load dtype applies to (as HF's torch_dtype does).</summary>
    public static bool IsFloating(torch.ScalarType type) =>
        type is torch.ScalarType.Float64 or torch.ScalarType.Float32 or torch.ScalarType.Float16 or torch.ScalarType.BFloat16;

    /// <summary>Converts a freshly loaded tensor to <paramref name="dtype"/> when asked, freeing the original.</summary>
    public static torch.Tensor ConvertIfRequested(torch.Tensor tensor, torch.ScalarType? dtype)
    {
        if (dtype is not { } target || tensor.dtype == target || !IsFloating(tensor.dtype))
        {
            return tensor;
        }
        if (!IsFloating(target))
        {
            throw new ArgumentException($"load dtype must be a floating type (Float32, Float16, BFloat16, Float64), got {target}", nameof(dtype));
        }
        var converted = tensor.to_type(target);
        tensor.Dispose();
        return converted;
    }
}
