namespace SharpSpeed.Engine.Optim;

/// <summary>
/// Adam hyper-parameters (torch.optim.AdamW defaults except weight decay, which HF's Trainer sets explicitly).
/// <see cref="DecoupledWeightDecay"/> false gives classic Adam with an L2 term added to the gradient (DeepSpeed's adam_w_mode false).
/// </summary>
public sealed record AdamWOptions(
    double Beta1 = 0.9,
    double Beta2 = 0.999,
    double Epsilon = 1e-8,
    double WeightDecay = 0.0,
    bool DecoupledWeightDecay = true,
    bool BiasCorrection = true)
{
    public void Validate()
    {
        if (Beta1 is < 0 or >= 1 || Beta2 is < 0 or >= 1)
        {
            throw new ArgumentException($"Adam betas must be in [0, 1): got ({Beta1}, {Beta2})");
        }
        if (Epsilon < 0 || WeightDecay < 0)
        {
            throw new ArgumentException($"Adam eps and weight decay must be >= 0: got eps {Epsilon}, weight decay {WeightDecay}");
        }
    }
}
