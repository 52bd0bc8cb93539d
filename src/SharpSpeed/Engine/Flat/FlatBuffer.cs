using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Flat;

/// <summary>
/// One contiguous 1-D tensor laid out by a <see cref="FlatLayout"/>. It hands out views of single parameters and of
/// ranges, and can become the storage of a model's parameters, so that one tensor op (copy, collective) covers the
/// whole model.
/// </summary>
public sealed class FlatBuffer : IDisposable
{
    public FlatBuffer(FlatLayout layout, ScalarType dtype, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(layout);
        Layout = layout;
        Data = zeros(layout.TotalElements, dtype: dtype, device: device).DetachFromDisposeScope();
    }

    public FlatLayout Layout { get; }

    /// <summary>The whole buffer, padding included.</summary>
    public Tensor Data { get; }

    public ScalarType DType => Data.dtype;

    public long Bytes => Data.NumberOfElements * Data.ElementSize;

    /// <summary>A view of one parameter with its shape; writes go to the buffer. The caller disposes the view.</summary>
    public Tensor View(string name) => View(Layout[name]);

    public Tensor View(FlatSegment segment)
    {
        ArgumentNullException.ThrowIfNull(segment);
        return Data.narrow(0, segment.Offset, segment.Count).view(segment.ShapeArray());
    }

    /// <summary>A 1-D view of a range (a partition, or a bucket).</summary>
    public Tensor Slice(PartitionRange range)
    {
        if (range.Start < 0 || range.End > Layout.TotalElements)
        {
            throw new ArgumentOutOfRangeException(nameof(range), $"range [{range.Start}, {range.End}) is outside the buffer of {Layout.TotalElements}");
        }
        return Data.narrow(0, range.Start, range.Length);
    }

    public void Zero() => Data.zero_();

    /// <summary>
    /// Copies each parameter's current values into the buffer and makes the buffer the parameter's storage
    /// (DeepSpeed's <c>p.data = flat_view</c>): afterwards writing the buffer changes the model and vice versa.
    /// </summary>
    public void BindParameters(IEnumerable<(string Name, Tensor Parameter)> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in Matching(parameters))
        {
            using var view = View(name);
            view.copy_(parameter);
            parameter.set_(view);
        }
    }

    public void Dispose() => Data.Dispose();

    private IEnumerable<(string Name, Tensor Parameter)> Matching(IEnumerable<(string Name, Tensor Parameter)> parameters)
    {
        var seen = 0;
        foreach (var (name, parameter) in parameters)
        {
            var segment = Layout[name];
            if (!parameter.shape.SequenceEqual(segment.Shape))
            {
                throw new ArgumentException(
                    $"parameter \"{name}\" has shape [{string.Join(", ", parameter.shape)}] but the flat layout has [{string.Join(", ", segment.Shape)}]");
            }
            if (parameter.dtype != DType)
            {
                throw new ArgumentException($"parameter \"{name}\" is {parameter.dtype} but the flat buffer is {DType}");
            }
            seen++;
            yield return (name, parameter);
        }
        if (seen != Layout.Segments.Count)
        {
            throw new ArgumentException($"{seen} parameters were bound but the flat layout has {Layout.Segments.Count}");
        }
    }
}
