namespace SharpSpeed.Engine;

/// <summary>
/// Bytes one rank's engine held, by kind, each at its high-water mark (<see cref="MemoryLedger"/>): parameters
/// (gathered ZeRO-3 units included), gradients kept between micro-steps, fp32 master weights, optimizer states, and
/// gradient buckets of open blocks. <see cref="Peak"/> is the most held at once; <see cref="DevicePeak"/> the most
/// held in device memory (equal to <see cref="Peak"/> without offload); <see cref="HostResident"/> what lives in host
/// memory (offload) now. On a CPU-only run the device is the host: offloaded state is still booked as host memory.
/// </summary>
public sealed record MemoryAccount(
    long Parameters,
    long Gradients,
    long MasterWeights,
    long OptimizerStates,
    long Buckets,
    long Peak,
    long DevicePeak,
    long HostResident)
{
    /// <summary>The sum of the per-kind high-water marks (at least <see cref="Peak"/>).</summary>
    public long Total => Parameters + Gradients + MasterWeights + OptimizerStates + Buckets;
}
