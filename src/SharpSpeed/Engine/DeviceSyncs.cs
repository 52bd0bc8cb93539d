using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// Reads of device tensors into host values: each one makes the host wait for the device, so the engine and the
/// trainer read through this counter and report reads per optimizer step (the engine needs one: the global squared
/// gradient norm, which is also the overflow flag). Host tensors are read without counting.
/// </summary>
public sealed class DeviceSyncs
{
    private long _count;

    /// <summary>Device-to-host reads so far.</summary>
    public long Count => Interlocked.Read(ref _count);

    public T Read<T>(Tensor tensor) where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (tensor.device_type != DeviceType.CPU)
        {
            Interlocked.Increment(ref _count);
        }
        return tensor.item<T>();
    }
}
