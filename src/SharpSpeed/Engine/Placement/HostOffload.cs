namespace SharpSpeed.Engine.Placement;

/// <summary>
/// DeepSpeed's <c>offload_optimizer</c> / <c>offload_param</c> with <c>"device": "cpu"</c>: the state lives in host
/// memory, page-locked when <see cref="PinMemory"/> and the training device is a GPU (host and device are the same
/// memory on a CPU-only run, where pinning does not apply).
/// </summary>
public sealed record HostOffload(bool PinMemory = false);
