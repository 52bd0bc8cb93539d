using System.Runtime.ExceptionServices;
using TorchSharp;

namespace SharpSpeed.Models;

/// <summary>
/// Exceptions caught inside custom autograd backward functions, held until libtorch's backward pass returns.
/// TorchSharp aborts the process when a custom backward throws, and the backward may run on a libtorch worker
/// thread (CUDA), so the failure is parked here, owned by the model, and rethrown on the caller's thread.
/// </summary>
public sealed class BackwardFailures
{
    private readonly Lock _lock = new();
    private ExceptionDispatchInfo? _first;

    public void Record(Exception error)
    {
        lock (_lock)
        {
            _first ??= ExceptionDispatchInfo.Capture(error);
        }
    }

    /// <summary><c>loss.backward()</c>, then rethrows the first failure recorded during it.</summary>
    public void Backward(torch.Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        Take();
        loss.backward();
        Take()?.Throw();
    }

    private ExceptionDispatchInfo? Take()
    {
        lock (_lock)
        {
            var first = _first;
            _first = null;
            return first;
        }
    }
}
