using SharpSpeed.Models;

namespace SharpSpeed.Planning;

/// <summary>
/// A simple, serial (nothing overlapped) model of one optimizer step, only good for ranking recipes:
/// <list type="bullet">
/// <item>compute per micro-step: forward 2·N·tokens + 4·b·s²·h·L FLOPs; backward twice that for full training, once
/// for LoRA (no weight gradients of the frozen base); checkpointing recomputes the forward; at
/// peak TFLOPs x efficiency. A quantised base adds its dequantisation per use (read 4/8-bit, write and read 16-bit)
/// at GPU memory bandwidth;</item>
/// <item>communication per rank (ring, factor (n-1)/n): stage 0 all-reduce of the gradients, 2·T·G once per step;
/// stage 1 reduce-scatter once plus all-gather, 2·T·E; stage 2 a reduce-scatter every micro-step plus the all-gather;
/// stage 3 per micro-step two all-gathers (forward, backward) and a reduce-scatter;</item>
/// <item>offload over PCIe: gradient chunks to the host (every micro-step from stage 2, else once), updated
/// parameters back (P·E); with parameter offload every all-gather first brings P·E from the host;</item>
/// <item>optimizer: AdamW touches ~30 B per partition element (fp32 master, moments, gradient read and written,
/// 16-bit parameter written): at GPU memory bandwidth, or at the node's host bandwidth shared by its ranks.</item>
/// </list>
/// </summary>
public static class StepTimeModel
{
    public const double AdamBytesPerElement = 30;

    public static StepTime Estimate(ModelConfig config, TrainingSetup setup, RankMemory memory, ClusterSpec cluster)
    {
        double n = setup.NumGpus;
        double ring = (n - 1) / n;
        double accum = setup.GradientAccumulationSteps;
        double b = setup.MicroBatchSize, s = setup.SeqLength, tokens = b * s;
        double forward = 2.0 * config.ParameterCount() * tokens + 4.0 * b * s * s * config.HiddenSize * config.NumHiddenLayers;
        double backward = setup.Lora is null ? 2 * forward : forward;
        double recompute = setup.GradientCheckpointing ? forward : 0;
        double flopsPerSecond = cluster.GpuTflops * 1e12 * cluster.ComputeEfficiency;
        double micro = (forward + backward + recompute) / flopsPerSecond;
        if (setup.Bits < 16)
        {
            double linear = ModelUnits.Of(config).SelectMany(u => u.Parameters).Where(p => p.LinearModule is not null).Sum(p => (double)p.Elements);
            double passes = setup.GradientCheckpointing ? 3 : 2;
            double dtypeBytes = setup.Dtype == TrainingDtype.Fp32 ? 4 : 2;
            micro += passes * linear * (setup.Bits / 8.0 + 2 * dtypeBytes) / (cluster.GpuMemoryBandwidthGbps * 1e9);
        }

        var blocks = memory.Blocks;
        double t = blocks.PaddedElements, p = blocks.PartitionElements;
        double e = setup.Lora is null ? (setup.Dtype == TrainingDtype.Fp32 ? 4 : 2) : 4;
        int stage = setup.ZeroStage;
        double commBytes = stage switch
        {
            0 or 1 => 2 * t * e,
            2 => accum * t * e + t * e,
            _ => accum * 3 * t * e,
        } * ring;

        bool offloadOptimizer = setup.Offload != OffloadMode.None;
        double pcieBytes = 0;
        if (offloadOptimizer)
        {
            pcieBytes += (stage >= 2 ? accum : 1) * p * e + p * e;
        }
        if (setup.Offload == OffloadMode.All)
        {
            pcieBytes += accum * 2 * p * e;
        }

        double optimizerElements = stage == 0 ? t : p;
        double optimizerSeconds = offloadOptimizer
            ? optimizerElements * AdamBytesPerElement * setup.GpusPerNode / (cluster.HostMemoryBandwidthGbps * 1e9)
            : optimizerElements * AdamBytesPerElement / (cluster.GpuMemoryBandwidthGbps * 1e9);

        return new StepTime(
            Compute: accum * micro,
            Communication: n > 1 ? commBytes / (cluster.InterconnectGbps * 1e9) : 0,
            Offload: pcieBytes / (cluster.PcieGbps * 1e9),
            Optimizer: optimizerSeconds);
    }
}
