namespace SharpSpeed.Engine.Config;

/// <summary>Reads the <c>optimizer</c> section as DeepSpeed's engine interprets it for Adam / AdamW.</summary>
internal static class OptimizerSectionReader
{
    /// <summary>DeepSpeed's FusedAdam default learning rate, used when neither the file nor the trainer gives one.</summary>
    public const double DefaultLearningRate = 1e-3;

    private static readonly HashSet<string> KnownDeepSpeedOptimizers = new(StringComparer.OrdinalIgnoreCase)
    {
        "adagrad", "lamb", "onebitadam", "onebitlamb", "zerooneadam", "lion", "muadam", "muadamw", "musgd", "muon",
    };

    public static OptimizerConfig? Read(ConfigSection root)
    {
        var section = root.Section("optimizer");
        if (section is null)
        {
            return null;
        }
        var type = section.String("type") ?? throw section.Error("type", "is required (Adam or AdamW)");
        var isAdamW = type.Equals("adamw", StringComparison.OrdinalIgnoreCase);
        if (!isAdamW && !type.Equals("adam", StringComparison.OrdinalIgnoreCase))
        {
            throw KnownDeepSpeedOptimizers.Contains(type)
                ? section.NotImplemented("type", $"the {type} optimizer; use Adam or AdamW")
                : section.Error("type", $"\"{type}\" is not an optimizer SharpSpeed runs (Adam, AdamW)");
        }
        var parameters = section.Section("params") ?? ConfigSection.Empty(root.File, section.KeyPath("params"));
        section.CheckUnknownKeys(strict: true);

        var lr = parameters.Double("lr") ?? DefaultLearningRate;
        var betas = parameters.Numbers("betas") ?? [0.9, 0.999];
        var eps = parameters.Double("eps") ?? 1e-8;
        var torchAdam = parameters.Bool("torch_adam") ?? false;
        // DeepSpeed: type "AdamW" always decouples; "Adam" decouples unless adam_w_mode is false.
        var decoupled = isAdamW || (parameters.Bool("adam_w_mode") ?? true);
        // torch.optim.AdamW defaults weight_decay to 0.01; DeepSpeed's FusedAdam and torch.optim.Adam to 0.
        var defaultDecay = torchAdam && decoupled ? 0.01 : 0.0;
        var weightDecay = parameters.Double("weight_decay") ?? defaultDecay;
        var biasCorrection = parameters.Bool("bias_correction") ?? true;
        if (parameters.Bool("amsgrad") == true)
        {
            throw parameters.NotImplemented("amsgrad", "the AMSGrad variant");
        }
        parameters.CheckUnknownKeys(strict: true);

        if (lr < 0)
        {
            throw parameters.Error("lr", "must be >= 0");
        }
        if (betas.Length != 2 || betas.Any(b => b is < 0 or >= 1))
        {
            throw parameters.Error("betas", "must be two numbers in [0, 1)");
        }
        if (eps < 0)
        {
            throw parameters.Error("eps", "must be >= 0");
        }
        if (weightDecay < 0)
        {
            throw parameters.Error("weight_decay", "must be >= 0");
        }
        return new OptimizerConfig(isAdamW ? "AdamW" : "Adam", lr, betas[0], betas[1], eps, weightDecay, decoupled,
            biasCorrection, torchAdam);
    }
}
