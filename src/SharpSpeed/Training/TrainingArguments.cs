namespace SharpSpeed.Training;

/// <summary>
/// HuggingFace TrainingArguments, by the same names (snake_case on the command line) and defaults, plus the
/// few data/model arguments a fine-tuning script adds (dataset, max_seq_length, chat template). Only the
/// CLI parses them; the trainer reads them.
/// </summary>
public sealed record TrainingArguments
{
    public string? ModelNameOrPath { get; init; }

    /// <summary>Branch, tag or commit of an "org/name" model in the HF hub cache (from_pretrained's revision).</summary>
    public string Revision { get; init; } = SharpSpeed.IO.HubCache.DefaultRevision;
    public string? Dataset { get; init; }
    public string? DatasetLang { get; init; }

    /// <summary>oasst1: keep only assistant replies ranked below k among their siblings (Open-Assistant's top_k).</summary>
    public int? TopK { get; init; }
    public string? ChatTemplate { get; init; }
    public bool TrainOnPrompt { get; init; }
    public bool SkipInvalidRecords { get; init; }
    public bool Packing { get; init; }
    public int MaxSeqLength { get; init; } = 512;
    public string OutputDir { get; init; } = "runs/default";
    public bool OverwriteOutputDir { get; init; }

    public int PerDeviceTrainBatchSize { get; init; } = 8;
    public int PerDeviceEvalBatchSize { get; init; } = 8;
    public int GradientAccumulationSteps { get; init; } = 1;
    public double LearningRate { get; init; } = 5e-5;
    public double WeightDecay { get; init; }
    public double AdamBeta1 { get; init; } = 0.9;
    public double AdamBeta2 { get; init; } = 0.999;
    public double AdamEpsilon { get; init; } = 1e-8;
    public double MaxGradNorm { get; init; } = 1.0;
    public double NumTrainEpochs { get; init; } = 3.0;
    public long MaxSteps { get; init; } = -1;
    public string LrSchedulerType { get; init; } = "linear";
    public long WarmupSteps { get; init; }
    public double WarmupRatio { get; init; }

    public int LoggingSteps { get; init; } = 500;
    public int SaveSteps { get; init; } = 500;
    public int? SaveTotalLimit { get; init; }
    public int? EvalSteps { get; init; }
    public string? ResumeFromCheckpoint { get; init; }

    public int Seed { get; init; } = 42;
    public bool Bf16 { get; init; }
    public bool Fp16 { get; init; }
    public bool GradientCheckpointing { get; init; }
    public string? Deepspeed { get; init; }
    public string? DdpBackend { get; init; }
    public string Device { get; init; } = "cpu";
    public string ReportTo { get; init; } = "tensorboard";
    public bool DisableTqdm { get; init; }

    /// <summary>LoRA rank; LoRA is on when it is given (or when <see cref="Bits"/> asks for QLoRA). See docs/lora.md.</summary>
    public int? LoraR { get; init; }
    public double LoraAlpha { get; init; } = 16;
    public double LoraDropout { get; init; }
    public string LoraTargetModules { get; init; } = "q_proj,v_proj";
    public bool UseRslora { get; init; }

    /// <summary>QLoRA: 4 or 8 stores the frozen base linear weights quantised; 16 keeps them in the training dtype.</summary>
    public int Bits { get; init; } = 16;
    public string QuantType { get; init; } = "nf4";
    public bool DoubleQuant { get; init; }

    /// <summary>One-line errors for values no run can use; the trainer refuses to start on any.</summary>
    public IEnumerable<string> Problems()
    {
        if (PerDeviceTrainBatchSize < 1)
        {
            yield return $"--per_device_train_batch_size must be >= 1 (got {PerDeviceTrainBatchSize})";
        }
        if (GradientAccumulationSteps < 1)
        {
            yield return $"--gradient_accumulation_steps must be >= 1 (got {GradientAccumulationSteps})";
        }
        if (MaxSeqLength < 2)
        {
            yield return $"--max_seq_length must be >= 2 (got {MaxSeqLength})";
        }
        if (LearningRate < 0 || double.IsNaN(LearningRate))
        {
            yield return $"--learning_rate must be >= 0 (got {LearningRate})";
        }
        if (MaxSteps <= 0 && NumTrainEpochs <= 0)
        {
            yield return "set --max_steps > 0 or --num_train_epochs > 0";
        }
        if (Bf16 && Fp16)
        {
            yield return "--bf16 and --fp16 are exclusive: choose one";
        }
        if (WarmupRatio is < 0 or >= 1)
        {
            yield return $"--warmup_ratio must be in [0, 1) (got {WarmupRatio})";
        }
        if (LoggingSteps < 1)
        {
            yield return $"--logging_steps must be >= 1 (got {LoggingSteps})";
        }
        if (EvalSteps is < 1)
        {
            yield return $"--eval_steps must be >= 1 (got {EvalSteps}); leave it out to evaluate once per epoch";
        }
        if (TopK is < 1)
        {
            yield return $"--top_k must be >= 1 (got {TopK})";
        }
        if (SaveTotalLimit is < 1)
        {
            yield return $"--save_total_limit must be >= 1 (got {SaveTotalLimit})";
        }
        foreach (var problem in AdapterArguments.Problems(this))
        {
            yield return problem;
        }
    }
}
