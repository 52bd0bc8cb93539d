namespace SharpSpeed.Planning;

/// <summary>
/// Per-GPU model-state memory by the ZeRO paper (Rajbhandari et al. 2020, section 5, Figure 1): mixed-precision
/// training keeps 2 bytes of 16-bit parameters, 2 of 16-bit gradients and K bytes of optimizer state per
/// parameter (K = 12 for Adam: fp32 master copy, momentum, variance). Stage 1 partitions the K bytes over the
/// N data-parallel ranks, stage 2 also the gradients, stage 3 also the parameters. The paper counts nothing else:
/// no fp32 gradient buffer, no communication buckets, no offload.
/// </summary>
public static class ZeroPaperMemory
{
    public const int ParameterBytes = 2;
    public const int GradientBytes = 2;
    public const int AdamOptimizerBytes = 12;

    /// <summary>Bytes of model states one GPU holds at <paramref name="stage"/> (0 = plain data parallel).</summary>
    public static double BytesPerGpu(int stage, double parameters, int numGpus, int optimizerBytes = AdamOptimizerBytes)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(numGpus);
        double n = numGpus;
        return stage switch
        {
            0 => (ParameterBytes + GradientBytes + optimizerBytes) * parameters,
            1 => (ParameterBytes + GradientBytes) * parameters + optimizerBytes * parameters / n,
            2 => ParameterBytes * parameters + (GradientBytes + optimizerBytes) * parameters / n,
            3 => (ParameterBytes + GradientBytes + optimizerBytes) * parameters / n,
            _ => throw new ArgumentOutOfRangeException(nameof(stage), stage, "ZeRO stage must be 0, 1, 2 or 3"),
        };
    }
}
