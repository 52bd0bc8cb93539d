namespace SharpSpeed.Engine;

/// <summary>
/// What one call of <see cref="TrainingEngine.Step"/> did. <see cref="IsBoundary"/> false: a micro-step inside gradient
/// accumulation, nothing else happened. On a boundary either the optimizer step was applied or it was skipped because
/// the gradients overflowed (fp16); GradNorm is the global norm before clipping.
/// </summary>
public sealed record StepResult(bool IsBoundary, bool Applied, bool Overflow, double GradNorm, double LearningRate, double LossScale);
