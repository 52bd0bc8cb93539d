using TorchSharp;

namespace SharpSpeed.IO;

/// <summary>A pickled tuple; tuples are immutable, so a plain array is enough.</summary>
internal sealed record PickleTuple(object?[] Items);

/// <summary>A pickled dict or collections.OrderedDict, keeping insertion order as both do.</summary>
internal sealed class PickleDict
{
    public OrderedDictionary<object, object?> Items { get; } = new();
}

/// <summary>A reference to one of the few module-level names a state dict may use (never resolved to code).</summary>
internal sealed record PickleGlobal(string Module, string Name)
{
    public override string ToString() => $"{Module}.{Name}";
}

/// <summary>A storage named by a persistent id: its element type, its zip entry key and element count.</summary>
internal sealed record TorchStorageRef(torch.ScalarType DType, string Key, long ElementCount);

/// <summary>What <c>torch._utils._rebuild_tensor_v2</c> would build: a strided view of a storage.</summary>
internal sealed record TorchTensorRef(TorchStorageRef Storage, long StorageOffset, long[] Size, long[] Stride);
