namespace SharpSpeed.Engine.Precision;

/// <summary>DeepSpeed's LossScaler: a fixed scale (fp16 <c>loss_scale</c> &gt; 0, or 1 for bf16 / fp32); never reports overflow.</summary>
public sealed class StaticLossScaler : ILossScaler
{
    public StaticLossScaler(double scale = 1.0)
    {
        if (!(scale > 0) || !double.IsFinite(scale))
        {
            throw new ArgumentOutOfRangeException(nameof(scale), scale, "a static loss scale must be a finite number > 0");
        }
        LossScale = scale;
    }

    public double LossScale { get; private set; }

    public bool IsDynamic => false;

    public void UpdateScale(bool overflow)
    {
    }

    public LossScalerState State => new(LossScale, 0, -1, 0);

    public void Restore(LossScalerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LossScale = state.CurScale;
    }
}
