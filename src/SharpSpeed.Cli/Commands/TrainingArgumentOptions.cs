using System.CommandLine;
using SharpSpeed.Training;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// HF TrainingArguments flags (snake_case; `--flag value` and `--flag=value`) bound onto
/// <see cref="TrainingArguments"/>. A flag that is not given leaves the record's default, so the defaults live
/// in one place.
/// </summary>
internal sealed class TrainingArgumentOptions
{
    private readonly List<(Option Option, Func<TrainingArguments, ParseResult, TrainingArguments> Apply)> _bindings = [];

    public TrainingArgumentOptions()
    {
        Add<string>("--model_name_or_path", "HF model folder (config.json + safetensors/bin) or org/name in the HF hub cache; default: the bundled tiny model", (a, v) => a with { ModelNameOrPath = v });
        Add<string>("--revision", "branch, tag or commit hash of an org/name model in the HF hub cache (default: main)", (a, v) => a with { Revision = v });
        Add<string>("--dataset", "data file or folder, 'oasst1', or org/name in the HF hub cache (formats: docs/data.md); default: the bundled oasst1-format sample", (a, v) => a with { Dataset = v });
        Add<string>("--dataset_lang", "oasst1 languages, e.g. en,zh (default: all)", (a, v) => a with { DatasetLang = v });
        Add<int>("--top_k", "oasst1: keep only replies ranked below k among their siblings (Open-Assistant's top_k)", (a, v) => a with { TopK = v });
        Add<string>("--chat_template", "auto (default: the model's own tokenizer_config.json template), FILE.jinja, or deepseek, chatml, llama-2, oasst", (a, v) => a with { ChatTemplate = v });
        Add<bool>("--train_on_prompt", "compute the loss on prompt tokens too", (a, v) => a with { TrainOnPrompt = v });
        Add<bool>("--skip_invalid_records", "skip and count malformed records instead of failing", (a, v) => a with { SkipInvalidRecords = v });
        Add<bool>("--packing", "pack several examples into each sequence", (a, v) => a with { Packing = v });
        Add<int>("--max_seq_length", "truncate examples to this many tokens", (a, v) => a with { MaxSeqLength = v });
        Add<string>("--output_dir", "where checkpoints, metrics and the report go", (a, v) => a with { OutputDir = v });
        Add<bool>("--overwrite_output_dir", "start afresh even if output_dir holds a run", (a, v) => a with { OverwriteOutputDir = v });
        Add<int>("--per_device_train_batch_size", "micro-batch size per rank", (a, v) => a with { PerDeviceTrainBatchSize = v });
        Add<int>("--per_device_eval_batch_size", "evaluation batch size per rank", (a, v) => a with { PerDeviceEvalBatchSize = v });
        Add<int>("--gradient_accumulation_steps", "micro-batches per optimizer step", (a, v) => a with { GradientAccumulationSteps = v });
        Add<double>("--learning_rate", "peak learning rate", (a, v) => a with { LearningRate = v });
        Add<double>("--weight_decay", "AdamW decoupled weight decay (not applied to norms and biases)", (a, v) => a with { WeightDecay = v });
        Add<double>("--adam_beta1", "AdamW beta1", (a, v) => a with { AdamBeta1 = v });
        Add<double>("--adam_beta2", "AdamW beta2", (a, v) => a with { AdamBeta2 = v });
        Add<double>("--adam_epsilon", "AdamW epsilon", (a, v) => a with { AdamEpsilon = v });
        Add<double>("--max_grad_norm", "clip gradients to this global norm (0: no clipping)", (a, v) => a with { MaxGradNorm = v });
        Add<double>("--num_train_epochs", "epochs over the training split", (a, v) => a with { NumTrainEpochs = v });
        Add<long>("--max_steps", "optimizer steps; overrides --num_train_epochs when > 0", (a, v) => a with { MaxSteps = v });
        Add<string>("--lr_scheduler_type", "linear, cosine, constant or constant_with_warmup", (a, v) => a with { LrSchedulerType = v });
        Add<long>("--warmup_steps", "linear warm-up steps", (a, v) => a with { WarmupSteps = v });
        Add<double>("--warmup_ratio", "warm-up as a fraction of all steps", (a, v) => a with { WarmupRatio = v });
        Add<int>("--logging_steps", "log every N optimizer steps", (a, v) => a with { LoggingSteps = v });
        Add<int>("--save_steps", "checkpoint every N optimizer steps", (a, v) => a with { SaveSteps = v });
        Add<int>("--save_total_limit", "keep at most N checkpoints", (a, v) => a with { SaveTotalLimit = v });
        Add<int>("--eval_steps", "evaluate every N optimizer steps (default: once per epoch)", (a, v) => a with { EvalSteps = v });
        Add<string>("--resume_from_checkpoint", "checkpoint folder; 'true' for output_dir/latest; 'auto': latest if there is one, else start afresh", (a, v) => a with { ResumeFromCheckpoint = v });
        Add<int>("--seed", "random seed for initialisation, shuffling and dropout", (a, v) => a with { Seed = v });
        Add<bool>("--bf16", "bfloat16 model with fp32 master weights", (a, v) => a with { Bf16 = v });
        Add<bool>("--fp16", "float16 model with fp32 master weights and dynamic loss scaling", (a, v) => a with { Fp16 = v });
        Add<bool>("--gradient_checkpointing", "recompute each decoder layer in backward to save activation memory", (a, v) => a with { GradientCheckpointing = v });
        Add<string>("--deepspeed", "DeepSpeed JSON config (ZeRO stage, fp16/bf16, optimizer, scheduler, batch sizes)", (a, v) => a with { Deepspeed = v });
        Add<string>("--ddp_backend", "mpi (CPU tensors) or nccl (CUDA tensors)", (a, v) => a with { DdpBackend = v });
        Add<string>("--device", "cpu, cuda or cuda:N", (a, v) => a with { Device = v });
        Add<string>("--report_to", "tensorboard or none", (a, v) => a with { ReportTo = v });
        Add<bool>("--disable_tqdm", "plain log lines instead of the progress line", (a, v) => a with { DisableTqdm = v });
        Add<int>("--lora_r", "train a LoRA adapter of this rank on the frozen base (PEFT-compatible output; docs/lora.md)", (a, v) => a with { LoraR = v });
        Add<double>("--lora_alpha", "LoRA alpha: the adapter is scaled by alpha/r (default 16)", (a, v) => a with { LoraAlpha = v });
        Add<double>("--lora_dropout", "dropout on the adapter's input (default 0)", (a, v) => a with { LoraDropout = v });
        Add<string>("--lora_target_modules", "linear modules to adapt, e.g. q_proj,v_proj (default), or all-linear (all but lm_head)", (a, v) => a with { LoraTargetModules = v });
        Add<bool>("--use_rslora", "rank-stabilised LoRA: scale by alpha/sqrt(r)", (a, v) => a with { UseRslora = v });
        Add<int>("--bits", "QLoRA: store the frozen base linear weights in 4 or 8 bits (16: not quantised)", (a, v) => a with { Bits = v });
        Add<string>("--quant_type", "QLoRA 4-bit code book: nf4 (default) or fp4", (a, v) => a with { QuantType = v });
        Add<bool>("--double_quant", "QLoRA: quantise the per-block absmax constants too (8-bit, blocks of 256)", (a, v) => a with { DoubleQuant = v });
    }

    public IEnumerable<Option> Options => _bindings.Select(b => b.Option);

    public TrainingArguments Bind(ParseResult parse) =>
        _bindings.Aggregate(new TrainingArguments(), (args, binding) => binding.Apply(args, parse));

    /// <summary>HF names (without dashes) of the flags the user gave: DeepSpeed "auto" reconciliation needs them.</summary>
    public IReadOnlySet<string> Given(ParseResult parse) =>
        _bindings.Where(b => parse.GetResult(b.Option) is { Implicit: false })
            .Select(b => b.Option.Name.TrimStart('-'))
            .ToHashSet(StringComparer.Ordinal);

    private void Add<T>(string name, string description, Func<TrainingArguments, T, TrainingArguments> apply)
    {
        var option = new Option<T>(name) { Description = description };
        _bindings.Add((option, (args, parse) =>
            parse.GetResult(option) is { Implicit: false } ? apply(args, parse.GetValue(option)!) : args));
    }
}
