namespace SharpSpeed.Engine;

/// <summary>
/// Bytes of the model and optimizer state one rank holds persistently (the ZeRO paper's model states), by kind.
/// <see cref="Gradients"/> counts the gradient storage kept between micro-steps: the full model-dtype buffer at
/// stages 0 and 1, only the fp32 partition at stage 2 (whose full-size gradients exist only transiently, during one
/// micro-step's backward). <see cref="MasterWeights"/> is 0 in fp32, where the parameters are the master copy.
/// </summary>
public sealed record MemoryAccount(
    long Parameters,
    long Gradients,
    long MasterWeights,
    long OptimizerStates,
    long Buckets,
    long TransientGradients)
{
    public long Total => Parameters + Gradients + MasterWeights + OptimizerStates + Buckets;
}
