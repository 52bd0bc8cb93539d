using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Placement;

/// <summary>
/// Where each kind of engine state lives, decided once from the training device and the offload settings: parameters
/// and gradient buckets on the device; fp32 master weights, Adam moments and fp32 gradients on the device or, with
/// offload_optimizer, in host memory; ZeRO-3 parameter chunks on the device or, with offload_param, in host memory.
/// Host buffers are page-locked when pin_memory is set and the device is a GPU (so copies to and from it can be
/// asynchronous); on a CPU-only run the device is the host and nothing is pinned.
/// </summary>
public sealed record StatePlacement(Device Device, HostOffload? Optimizer, HostOffload? Parameters)
{
    public bool OptimizerOffloaded => Optimizer is not null;

    public bool ParametersOffloaded => Parameters is not null;

    /// <summary>Where master weights, moments and fp32 gradients live.</summary>
    public Device OptimizerDevice => OptimizerOffloaded ? CPU : Device;

    /// <summary>Where ZeRO-3 parameter chunks live.</summary>
    public Device ParameterChunkDevice => ParametersOffloaded ? CPU : Device;

    /// <summary>A zero-filled 1-D tensor for optimizer state (pinned when offloaded with pin_memory to a GPU's host).</summary>
    public Tensor OptimizerZeros(long elements, ScalarType dtype) => Zeros(elements, dtype, Optimizer);

    /// <summary>A zero-filled 1-D tensor for ZeRO-3 parameter chunks.</summary>
    public Tensor ParameterChunkZeros(long elements, ScalarType dtype) => Zeros(elements, dtype, Parameters);

    /// <summary>Whether host tensors of <paramref name="offload"/> are page-locked.</summary>
    public bool Pinned(HostOffload? offload) => offload is { PinMemory: true } && Device.type == DeviceType.CUDA;

    private Tensor Zeros(long elements, ScalarType dtype, HostOffload? offload)
    {
        var tensor = zeros(elements, dtype: dtype, device: offload is null ? Device : CPU);
        if (Pinned(offload))
        {
            using var pageable = tensor;
            tensor = pageable.pin_memory();
        }
        return tensor.DetachFromDisposeScope();
    }
}
