namespace SharpSpeed.Engine.Config;

/// <summary>Reads the <c>fp16</c> and <c>bf16</c> (alias <c>bfloat16</c>) sections with DeepSpeed's defaults and checks.</summary>
internal static class PrecisionSectionReader
{
    public static Fp16Config ReadFp16(ConfigSection root)
    {
        var section = root.Section("fp16");
        if (section is null)
        {
            return new Fp16Config();
        }
        var defaults = new Fp16Config();
        var config = new Fp16Config(
            Enabled: section.Bool("enabled") ?? false,
            AutoCast: section.Bool("auto_cast") ?? false,
            LossScale: section.Double("loss_scale") ?? defaults.LossScale,
            InitialScalePower: section.Int32("initial_scale_power") ?? defaults.InitialScalePower,
            LossScaleWindow: section.Int32("loss_scale_window") ?? defaults.LossScaleWindow,
            Hysteresis: section.Int32("hysteresis") ?? defaults.Hysteresis,
            ConsecutiveHysteresis: section.Bool("consecutive_hysteresis") ?? false,
            MinLossScale: section.Double("min_loss_scale") ?? defaults.MinLossScale);
        if (config.LossScale < 0)
        {
            throw section.Error("loss_scale", "must be >= 0 (0 enables dynamic loss scaling)");
        }
        if (config.InitialScalePower is < 0 or > 127)
        {
            throw section.Error("initial_scale_power", $"must be between 0 and 127, not {config.InitialScalePower}");
        }
        if (config.LossScaleWindow <= 0)
        {
            throw section.Error("loss_scale_window", "must be a positive integer");
        }
        if (config.Hysteresis <= 0)
        {
            throw section.Error("hysteresis", "must be a positive integer");
        }
        if (config.MinLossScale <= 0)
        {
            throw section.Error("min_loss_scale", "must be > 0");
        }
        if (section.Bool("fp16_master_weights_and_grads") == true)
        {
            throw section.NotImplemented("fp16_master_weights_and_grads", "fp16 master weights (DeepSpeedCPUAdam only)");
        }
        if (config.AutoCast)
        {
            section.NoEffect("auto_cast", "the model's only inputs are token ids, which are never cast; its weights are fp16 already");
        }
        // DeepSpeed reads fp16 with get_scalar_param, so other keys are ignored there too: warn, do not refuse.
        section.CheckUnknownKeys();
        return config;
    }

    public static Bf16Config ReadBf16(ConfigSection root)
    {
        var key = root.Has("bf16") ? "bf16" : "bfloat16";
        if (root.Has("bf16") && root.Has("bfloat16"))
        {
            throw root.Error("bfloat16", "duplicates \"bf16\" (bfloat16 is its old name); keep one");
        }
        var section = root.Section(key);
        root.Ignore(key == "bf16" ? "bfloat16" : "bf16");
        if (section is null)
        {
            return new Bf16Config();
        }
        var config = new Bf16Config(
            Enabled: section.Bool("enabled") ?? false,
            ImmediateGradUpdate: section.Bool("immediate_grad_update") ?? false,
            CheckGradOverflow: section.Bool("check_grad_overflow") ?? false);
        section.NoEffect("immediate_grad_update", "gradients are always reduced into the engine's buffers as backward produces them");
        section.NoEffect("check_grad_overflow", "every step checks the gradient norm for inf/NaN and skips the step on one");
        if (section.Bool("bf16_master_weights_and_grads") == true)
        {
            throw section.NotImplemented("bf16_master_weights_and_grads", "bf16 master weights");
        }
        if (section.Bool("bf16_optimizer_states") == true)
        {
            throw section.NotImplemented("bf16_optimizer_states", "bf16 optimizer states");
        }
        section.CheckUnknownKeys();
        return config;
    }
}
