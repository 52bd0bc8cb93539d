using System.CommandLine;
using SharpSpeed.Planning;

namespace SharpSpeed.Cli.Commands;

/// <summary>The hardware flags of <c>estimate</c>'s recipe list (<see cref="ClusterSpec"/>; defaults are its assumptions).</summary>
internal sealed class ClusterOptions
{
    private static readonly ClusterSpec Defaults = new();

    private readonly Option<double> HostMemoryGb = new("--host_memory_gb")
    { Description = "Host RAM per node in GB (offloaded state must fit).", DefaultValueFactory = _ => Defaults.HostMemoryGbPerNode };
    private readonly Option<double> GpuTflops = new("--gpu_tflops")
    { Description = "Peak dense 16-bit tensor TFLOPs of one GPU.", DefaultValueFactory = _ => Defaults.GpuTflops };
    private readonly Option<double> Efficiency = new("--compute_efficiency")
    { Description = "Fraction of peak FLOPs reached (MFU) in the step-time model.", DefaultValueFactory = _ => Defaults.ComputeEfficiency };
    private readonly Option<double> GpuBandwidth = new("--gpu_memory_bandwidth_gbps")
    { Description = "GPU memory bandwidth in GB/s.", DefaultValueFactory = _ => Defaults.GpuMemoryBandwidthGbps };
    private readonly Option<double> Interconnect = new("--interconnect_gbps")
    { Description = "Collective bus bandwidth per GPU in GB/s.", DefaultValueFactory = _ => Defaults.InterconnectGbps };
    private readonly Option<double> Pcie = new("--pcie_gbps")
    { Description = "Host-device copy bandwidth per GPU in GB/s.", DefaultValueFactory = _ => Defaults.PcieGbps };
    private readonly Option<double> HostBandwidth = new("--host_memory_bandwidth_gbps")
    { Description = "Host memory bandwidth per node in GB/s (CPU Adam).", DefaultValueFactory = _ => Defaults.HostMemoryBandwidthGbps };

    public void AddTo(Command command)
    {
        foreach (var option in new Option[] { HostMemoryGb, GpuTflops, Efficiency, GpuBandwidth, Interconnect, Pcie, HostBandwidth })
        {
            command.Options.Add(option);
        }
    }

    /// <summary>The cluster; the GPU's memory is <c>--gpu_memory_gb</c> when given, else the default.</summary>
    public ClusterSpec Read(ParseResult parse, double? gpuMemoryGb)
    {
        var cluster = new ClusterSpec
        {
            GpuMemoryGb = gpuMemoryGb ?? Defaults.GpuMemoryGb,
            HostMemoryGbPerNode = parse.GetValue(HostMemoryGb),
            GpuTflops = parse.GetValue(GpuTflops),
            ComputeEfficiency = parse.GetValue(Efficiency),
            GpuMemoryBandwidthGbps = parse.GetValue(GpuBandwidth),
            InterconnectGbps = parse.GetValue(Interconnect),
            PcieGbps = parse.GetValue(Pcie),
            HostMemoryBandwidthGbps = parse.GetValue(HostBandwidth),
        };
        cluster.Validate();
        return cluster;
    }
}
