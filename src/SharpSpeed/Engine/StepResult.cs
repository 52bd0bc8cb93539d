namespace SharpSpeed.Engine;

/// <summary>
/// What one optimizer step did. <see cref="GradNorm"/> is the global norm of the averaged, unscaled gradients before
/// clipping (inf / NaN when they overflowed); <see cref="LearningRate"/> is the rate the step used (or would have used,
/// when skipped); <see cref="LossScale"/> is the scale the step's backward passes used.
/// </summary>
public sealed record StepResult(bool Skipped, double GradNorm, double LearningRate, double LossScale);
