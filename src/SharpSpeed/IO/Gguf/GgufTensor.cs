namespace SharpSpeed.IO.Gguf;

/// <summary>
/// A tensor to write into a GGUF file. <paramref name="Shape"/> is outermost first, as PyTorch writes it (the file
/// stores the dimensions innermost first, as ggml counts them); <paramref name="WriteData"/> writes exactly
/// <see cref="ByteLength"/> bytes when the writer reaches this tensor, so large models stream tensor by tensor.
/// </summary>
public sealed record GgufTensor(string Name, long[] Shape, GgmlType Type, Action<Stream> WriteData)
{
    public long ByteLength => GgmlTypes.TensorBytes(Type, Shape);
}
