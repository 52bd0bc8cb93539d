namespace SharpSpeed.Engine.Precision;

/// <summary>
/// The outcome of preparing fp32 gradients for an optimizer step: whether any rank overflowed (skip the step), the
/// global gradient norm before clipping (inf / NaN on overflow), and the clip coefficient applied (1 when none).
/// </summary>
public sealed record GradientCheck(bool Overflow, double GradNorm, double ClipCoefficient);
