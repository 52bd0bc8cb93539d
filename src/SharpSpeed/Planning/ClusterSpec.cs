namespace SharpSpeed.Planning;

/// <summary>
/// The hardware recipes are judged and timed on. Defaults describe the seed's machine class (RTX 4090: 24 GB,
/// 165 dense bf16 tensor TFLOPS with fp32 accumulation, ~1 TB/s memory; no NVLink, so collectives go over
/// PCIe through the host) and are assumptions, not measurements: pass the real figures as flags.
/// </summary>
public sealed record ClusterSpec
{
    public double GpuMemoryGb { get; init; } = 24;
    public double HostMemoryGbPerNode { get; init; } = 128;
    public double GpuTflops { get; init; } = 165;

    /// <summary>Fraction of peak FLOPs the matmuls reach (model FLOPs utilisation).</summary>
    public double ComputeEfficiency { get; init; } = 0.4;
    public double GpuMemoryBandwidthGbps { get; init; } = 1000;

    /// <summary>Bus bandwidth of collectives between GPUs, GB/s per rank.</summary>
    public double InterconnectGbps { get; init; } = 10;

    /// <summary>Host-device copy bandwidth per GPU, GB/s.</summary>
    public double PcieGbps { get; init; } = 20;

    /// <summary>Host memory bandwidth of one node, GB/s, shared by its ranks' CPU Adam.</summary>
    public double HostMemoryBandwidthGbps { get; init; } = 50;

    public void Validate()
    {
        var values = new (string Flag, double Value)[]
        {
            ("--gpu_memory_gb", GpuMemoryGb), ("--host_memory_gb", HostMemoryGbPerNode), ("--gpu_tflops", GpuTflops),
            ("--compute_efficiency", ComputeEfficiency), ("--gpu_memory_bandwidth_gbps", GpuMemoryBandwidthGbps),
            ("--interconnect_gbps", InterconnectGbps), ("--pcie_gbps", PcieGbps),
            ("--host_memory_bandwidth_gbps", HostMemoryBandwidthGbps),
        };
        foreach (var (flag, value) in values)
        {
            if (!(value > 0) || double.IsInfinity(value))
            {
                throw new ArgumentException($"{flag} must be a positive number, got {value}");
            }
        }
        if (ComputeEfficiency > 1)
        {
            throw new ArgumentException($"--compute_efficiency must be at most 1, got {ComputeEfficiency}");
        }
    }
}
