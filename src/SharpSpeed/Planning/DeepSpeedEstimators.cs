namespace SharpSpeed.Planning;

/// <summary>GPU bytes per device and CPU bytes per node, as one of DeepSpeed's estimator functions returns them.</summary>
public sealed record DeepSpeedEstimate(long GpuBytesPerDevice, long CpuBytesPerNode, string Function);

/// <summary>
/// DeepSpeed's own model-state estimators, re-stated as formulas (deepspeed/runtime/zero/stage_1_and_2.py
/// <c>estimate_zero2_model_states_mem_needs</c> and stage3.py <c>estimate_zero3_model_states_mem_needs</c>).
/// Unlike the paper they count the fp32 gradient partition DeepSpeed keeps for the optimizer (18 bytes per
/// partitioned parameter = 2 16-bit grads + 4 fp32 grads + 4 fp32 master + 8 Adam moments), ZeRO-3's working
/// set of the largest layer (its 16-bit parameters and gradients, 4 bytes per parameter), and on the CPU side a
/// 1.5x <c>additional_buffer_factor</c>. DeepSpeed ships no estimator for stages 0 and 1.
/// </summary>
public static class DeepSpeedEstimators
{
    public const double AdditionalBufferFactor = 1.5;

    /// <summary>ZeRO-2; <paramref name="cpuOffload"/> is <c>offload_optimizer: cpu</c>.</summary>
    public static DeepSpeedEstimate Zero2(double totalParams, int gpusPerNode, int numNodes, bool cpuOffload)
    {
        int totalGpus = Validate(gpusPerNode, numNodes);
        double gpu;
        double cpu;
        if (cpuOffload)
        {
            gpu = 2 * totalParams;
            cpu = totalParams * Math.Max(4 * totalGpus, 16) * AdditionalBufferFactor;
        }
        else
        {
            gpu = 2 * totalParams + Math.Floor(18 * totalParams / totalGpus);
            cpu = totalParams * 4 * gpusPerNode * AdditionalBufferFactor;
        }
        return new DeepSpeedEstimate((long)gpu, (long)cpu, "estimate_zero2_model_states_mem_needs");
    }

    /// <summary>
    /// ZeRO-3; <paramref name="cpuOffload"/> is <c>offload_optimizer: cpu</c>, <paramref name="cpuOffloadParams"/>
    /// is <c>offload_param: cpu</c> (only with optimizer offload, as in DeepSpeed), <paramref name="zeroInit"/>
    /// is model construction under <c>deepspeed.zero.Init</c> (each rank never holds the whole model).
    /// </summary>
    public static DeepSpeedEstimate Zero3(
        double totalParams, double largestLayerParams, int gpusPerNode, int numNodes, bool cpuOffload,
        bool cpuOffloadParams, bool zeroInit = true)
    {
        int totalGpus = Validate(gpusPerNode, numNodes);
        if (cpuOffloadParams && !cpuOffload)
        {
            throw new ArgumentException("parameter offload needs optimizer offload too (DeepSpeed's estimator has no such case)");
        }
        double gpusFactor = 1.0 / numNodes;
        double largestLayerMemory = 4 * largestLayerParams;
        double gpu;
        double cpu;
        if (cpuOffload && cpuOffloadParams)
        {
            gpu = largestLayerMemory;
            cpu = totalParams * (zeroInit ? 18 * gpusFactor : Math.Max(4 * gpusPerNode, 18 * gpusFactor))
                  * AdditionalBufferFactor;
        }
        else if (cpuOffload)
        {
            gpu = largestLayerMemory + Math.Floor(2 * totalParams / totalGpus);
            cpu = totalParams * (zeroInit ? 16 * gpusFactor : Math.Max(4 * gpusPerNode, 16 * gpusFactor))
                  * AdditionalBufferFactor;
        }
        else
        {
            gpu = largestLayerMemory + Math.Floor(18 * totalParams / totalGpus);
            cpu = (zeroInit ? largestLayerParams : totalParams) * 4 * gpusPerNode * AdditionalBufferFactor;
        }
        return new DeepSpeedEstimate((long)gpu, (long)cpu, "estimate_zero3_model_states_mem_needs");
    }

    private static int Validate(int gpusPerNode, int numNodes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(gpusPerNode);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numNodes);
        return gpusPerNode * numNodes;
    }
}
