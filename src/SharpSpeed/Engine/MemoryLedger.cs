using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// Every buffer the engine allocates or frees, booked by kind and by where it lives (device or host memory), with
/// high-water marks: per kind, and of the sum. "Host" means offloaded by the settings (on a CPU-only run the
/// device is host memory too, and only offloaded state counts as host). The numbers are the bytes of the tensors the engine really holds, which
/// is what reports, <c>bench train</c> and the estimator tests compare with. Thread-safe (buckets are freed from
/// gradient hooks while the trainer may read the ledger).
/// </summary>
public sealed class MemoryLedger
{
    private static readonly int Kinds = Enum.GetValues<MemoryKind>().Length;

    private readonly Lock _lock = new();
    private readonly long[] _current = new long[Kinds * 2];
    private readonly long[] _peak = new long[Kinds * 2];
    private long _total;
    private long _peakTotal;
    private long _deviceTotal;
    private long _peakDevice;

    /// <summary>Books <paramref name="tensor"/>'s bytes and returns it; <paramref name="offloaded"/>: it lives in host memory by the offload settings.</summary>
    public Tensor Allocate(MemoryKind kind, Tensor tensor, bool offloaded = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Change(kind, offloaded, tensor.NumberOfElements * tensor.ElementSize);
        return tensor;
    }

    /// <summary>Unbooks <paramref name="tensor"/> (booked with the same <paramref name="offloaded"/>); the caller disposes it.</summary>
    public void Free(MemoryKind kind, Tensor tensor, bool offloaded = false)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        Change(kind, offloaded, -(tensor.NumberOfElements * tensor.ElementSize));
    }

    /// <summary>Starts new high-water marks from what is held now (e.g. at the start of a measured step).</summary>
    public void ResetPeaks()
    {
        lock (_lock)
        {
            Array.Copy(_current, _peak, _current.Length);
            _peakTotal = _total;
            _peakDevice = _deviceTotal;
        }
    }

    public MemoryAccount Snapshot()
    {
        lock (_lock)
        {
            long Peak(MemoryKind kind) => _peak[Slot(kind, false)] + _peak[Slot(kind, true)];
            long Host(MemoryKind kind) => _current[Slot(kind, true)];
            return new MemoryAccount(
                Parameters: Peak(MemoryKind.Parameters) + Peak(MemoryKind.GatheredParameters),
                Gradients: Peak(MemoryKind.Gradients),
                MasterWeights: Peak(MemoryKind.Master),
                OptimizerStates: Peak(MemoryKind.Optimizer),
                Buckets: Peak(MemoryKind.Buckets),
                Peak: _peakTotal,
                DevicePeak: _peakDevice,
                HostResident: Enum.GetValues<MemoryKind>().Sum(Host));
        }
    }

    /// <summary>Bytes of one kind held now, on the host or on the device.</summary>
    public long Current(MemoryKind kind, bool host)
    {
        lock (_lock)
        {
            return _current[Slot(kind, host)];
        }
    }

    private void Change(MemoryKind kind, bool host, long bytes)
    {
        lock (_lock)
        {
            var slot = Slot(kind, host);
            _current[slot] += bytes;
            _total += bytes;
            if (!host)
            {
                _deviceTotal += bytes;
            }
            _peak[slot] = Math.Max(_peak[slot], _current[slot]);
            _peakTotal = Math.Max(_peakTotal, _total);
            _peakDevice = Math.Max(_peakDevice, _deviceTotal);
        }
    }

    private static int Slot(MemoryKind kind, bool host) => (int)kind * 2 + (host ? 1 : 0);
}
