namespace SharpSpeed.Engine.Precision;

/// <summary>The dtype of the model's parameters and gradients; master weights and optimizer states are always fp32.</summary>
public enum TrainingPrecision
{
    Fp32,
    Fp16,
    Bf16,
}

public static class TrainingPrecisions
{
    /// <summary>The dtype the model trains in: fp32, float16 or bfloat16.</summary>
    public static TorchSharp.torch.ScalarType ModelType(this TrainingPrecision precision) => precision switch
    {
        TrainingPrecision.Bf16 => TorchSharp.torch.ScalarType.BFloat16,
        TrainingPrecision.Fp16 => TorchSharp.torch.ScalarType.Float16,
        _ => TorchSharp.torch.ScalarType.Float32,
    };
}
