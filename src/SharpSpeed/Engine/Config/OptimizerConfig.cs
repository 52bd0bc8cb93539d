namespace SharpSpeed.Engine.Config;

/// <summary>
/// The DeepSpeed <c>optimizer</c> section, resolved. DeepSpeed runs type "Adam" with decoupled weight decay
/// unless <c>adam_w_mode</c> is false (then weight decay is an L2 term added to the gradient); "AdamW" always decouples.
/// </summary>
public sealed record OptimizerConfig(
    string Type,
    double LearningRate,
    double Beta1,
    double Beta2,
    double Epsilon,
    double WeightDecay,
    bool DecoupledWeightDecay,
    bool BiasCorrection,
    bool TorchAdam);
