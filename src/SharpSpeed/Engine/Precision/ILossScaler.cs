namespace SharpSpeed.Engine.Precision;

/// <summary>
/// Multiplies the loss before backward so small fp16 gradients do not underflow; the gradients are divided by the
/// same scale before the optimizer step. bf16 and fp32 use a static scale of 1.
/// </summary>
public interface ILossScaler
{
    double LossScale { get; }

    bool IsDynamic { get; }

    /// <summary>Called once per optimizer step (applied or skipped) with whether the gradients overflowed.</summary>
    void UpdateScale(bool overflow);

    LossScalerState State { get; }

    void Restore(LossScalerState state);
}

/// <summary>A loss scaler's mutable state, as DeepSpeed checkpoints it (cur_scale, cur_iter, last_overflow_iter, cur_hysteresis).</summary>
public sealed record LossScalerState(double CurScale, long CurIter, long LastOverflowIter, int CurHysteresis);
