using SharpSpeed.Engine.Config;

namespace SharpSpeed.Engine.Precision;

/// <summary>DeepSpeed's CreateLossScaler: dynamic for fp16 with loss_scale 0, static otherwise (scale 1 unless fp16).</summary>
public static class LossScalers
{
    public static ILossScaler Create(TrainingPrecision precision, Fp16Config fp16, int rank = 0, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(fp16);
        if (precision != TrainingPrecision.Fp16)
        {
            return new StaticLossScaler(1.0);
        }
        if (!fp16.DynamicLossScale)
        {
            return new StaticLossScaler(fp16.LossScale);
        }
        return new DynamicLossScaler(
            new DynamicLossScalerOptions(fp16.InitialDynamicScale, fp16.LossScaleWindow, fp16.MinLossScale, fp16.Hysteresis,
                fp16.ConsecutiveHysteresis),
            rank, log);
    }
}
