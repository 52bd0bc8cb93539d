namespace SharpSpeed.Engine.Precision;

/// <summary>The dtype of the model's parameters and gradients; master weights and optimizer states are always fp32.</summary>
public enum TrainingPrecision
{
    Fp32,
    Fp16,
    Bf16,
}
