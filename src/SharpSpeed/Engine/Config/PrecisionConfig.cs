namespace SharpSpeed.Engine.Config;

/// <summary>The DeepSpeed <c>fp16</c> section with DeepSpeed's defaults. <c>loss_scale</c> 0 means dynamic scaling.</summary>
public sealed record Fp16Config(
    bool Enabled = false,
    bool AutoCast = false,
    double LossScale = 0,
    int InitialScalePower = 16,
    int LossScaleWindow = 1000,
    int Hysteresis = 2,
    bool ConsecutiveHysteresis = false,
    double MinLossScale = 1)
{
    public bool DynamicLossScale => LossScale == 0;

    /// <summary>2^initial_scale_power: the first scale the dynamic scaler tries.</summary>
    public double InitialDynamicScale => Math.Pow(2, InitialScalePower);
}

/// <summary>The DeepSpeed <c>bf16</c> section (alias <c>bfloat16</c>).</summary>
public sealed record Bf16Config(bool Enabled = false, bool ImmediateGradUpdate = false, bool CheckGradOverflow = false);
