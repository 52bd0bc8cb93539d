using System.CommandLine;
using SharpSpeed.IO;
using SharpSpeed.Models;
using SharpSpeed.Planning;

namespace SharpSpeed.Cli.Commands;

/// <summary>
/// <c>sharpspeed estimate</c>: per-GPU memory of a training setup for ZeRO stages 0-3 (ZeRO paper and DeepSpeed's
/// estimators side by side), activations, buckets, and whether it fits a GPU, with computed advice; then every recipe
/// (ZeRO stage, offload, checkpointing, LoRA, 4-bit) judged on the cluster, fastest fitting first.
/// </summary>
internal sealed class EstimateCommand
{
    private readonly Option<string?> ModelPath = new("--model_name_or_path")
    { Description = "HF model folder (or its config.json) to read the shape from." };

    private readonly Option<string?> ConfigName = new("--config")
    { Description = "Named model config (" + string.Join(", ", NamedModelConfigs.All.Keys) + ") or a config.json path." };

    private readonly Option<double?> Params = new("--params")
    { Description = "Parameter count, e.g. 7.5e9 (shape flags optional; without them activations are not counted)." };

    private readonly Option<int?> HiddenSize = new("--hidden_size") { Description = "With --params: hidden size." };
    private readonly Option<int?> NumLayers = new("--num_hidden_layers", "--num_layers") { Description = "With --params: decoder layers." };
    private readonly Option<int?> NumHeads = new("--num_attention_heads") { Description = "With --params: attention heads." };
    private readonly Option<int?> NumKvHeads = new("--num_key_value_heads") { Description = "With --params: key/value heads (default: attention heads)." };
    private readonly Option<int?> IntermediateSize = new("--intermediate_size") { Description = "With --params: SwiGLU width." };
    private readonly Option<int?> VocabSize = new("--vocab_size") { Description = "With --params: vocabulary size." };
    private readonly Option<bool> TiedEmbeddings = new("--tie_word_embeddings") { Description = "With --params: lm_head shares the embedding." };
    private readonly Option<double?> LargestLayer = new("--largest_layer_params")
    { Description = "Parameters of the largest layer (ZeRO-3 working set); derived from the shape when known." };

    private readonly Option<int> NumGpus = new("--num_gpus") { Description = "Data-parallel GPUs in total.", Required = true };
    private readonly Option<int> NumNodes = new("--num_nodes") { Description = "Nodes the GPUs are spread over.", DefaultValueFactory = _ => 1 };
    private readonly Option<int> ZeroStage = new("--zero_stage") { Description = "ZeRO stage of the setup to judge (0-3).", DefaultValueFactory = _ => 2 };
    private readonly Option<string> Offload = new("--offload")
    { Description = "What to offload to CPU memory: none, optimizer, all (all = ZeRO-3 parameter offload too).", DefaultValueFactory = _ => "none" };
    private readonly Option<double?> GpuMemoryGb = new("--gpu_memory_gb") { Description = "Memory of one GPU in GB (1e9 bytes); enables the verdict." };
    private readonly Option<double> ReserveGb = new("--reserve_gb")
    { Description = "GPU memory never available to tensors: CUDA context, workspaces, fragmentation.", DefaultValueFactory = _ => TrainingSetup.DefaultReserveGb };
    private readonly Option<int> MicroBatch = new("--micro_batch_size", "--per_device_train_batch_size")
    { Description = "Sequences per GPU per forward pass.", DefaultValueFactory = _ => 2 };
    private readonly Option<int> SeqLength = new("--seq_length", "--max_seq_length")
    { Description = "Tokens per sequence.", DefaultValueFactory = _ => 512 };
    private readonly Option<bool> Checkpointing = new("--gradient_checkpointing") { Description = "Activation checkpointing per decoder layer." };
    private readonly Option<long> ReduceBucket = new("--reduce_bucket_size")
    { Description = "DeepSpeed reduce_bucket_size in elements.", DefaultValueFactory = _ => CommunicationBuckets.DeepSpeedDefaults.ReduceBucketSize };
    private readonly Option<long> AllgatherBucket = new("--allgather_bucket_size")
    { Description = "DeepSpeed allgather_bucket_size in elements (stages 1-2).", DefaultValueFactory = _ => CommunicationBuckets.DeepSpeedDefaults.AllgatherBucketSize };
    private readonly Option<long> MaxLive = new("--stage3_max_live_parameters")
    { Description = "DeepSpeed stage3_max_live_parameters (gathered elements at once).", DefaultValueFactory = _ => CommunicationBuckets.DeepSpeedDefaults.MaxLiveParameters };
    private readonly Option<long> Persistence = new("--stage3_param_persistence_threshold")
    { Description = "DeepSpeed stage3_param_persistence_threshold: units this small stay whole.", DefaultValueFactory = _ => CommunicationBuckets.DeepSpeedDefaults.PersistenceThreshold };
    private readonly Option<bool?> OverlapComm = new("--overlap_comm")
    { Description = "DeepSpeed overlap_comm: two gradient buckets in flight (default: DeepSpeed's, on at stage 3 only)." };
    private readonly Option<int> Accumulation = new("--gradient_accumulation_steps")
    { Description = "Micro-steps per optimizer step (step time and tokens/s of recipes).", DefaultValueFactory = _ => 1 };
    private readonly Option<int?> LoraR = new("--lora_r") { Description = "LoRA rank of the setup judged (adapters only are trained)." };
    private readonly Option<string> LoraTargets = new("--lora_target_modules")
    { Description = "LoRA targets: all-linear or comma-separated names (q_proj,v_proj,...).", DefaultValueFactory = _ => LoraSettings.AllLinear };
    private readonly Option<int> Bits = new("--bits") { Description = "Bits of the frozen base under LoRA: 16, 8 or 4 (NF4).", DefaultValueFactory = _ => 16 };
    private readonly Option<bool> DoubleQuant = new("--double_quant")
    { Description = "Quantise the 4-bit absmax constants too (QLoRA's default).", DefaultValueFactory = _ => true };
    private readonly Option<string> LoraRanks = new("--recipe_lora_ranks")
    { Description = "LoRA ranks the recipe list tries.", DefaultValueFactory = _ => string.Join(',', RecipePlanner.DefaultLoraRanks) };
    private readonly ClusterOptions Cluster = new();
    private readonly Option<bool> Fp16 = new("--fp16") { Description = "16-bit training in fp16 (2 bytes, as bf16)." };
    private readonly Option<bool> Bf16 = new("--bf16") { Description = "16-bit training in bf16 (2 bytes, as fp16)." };
    private readonly Option<bool> Json = new("--json") { Description = "Print one JSON object on stdout instead of the table." };

    private EstimateCommand()
    {
        Offload.AcceptOnlyFromAmong("none", "optimizer", "all");
    }

    public static Command Create() => new EstimateCommand().Build();

    private Command Build()
    {
        var command = new Command("estimate", "Estimate per-GPU memory for ZeRO stages 0-3 and say whether a setup fits.")
        {
            ModelPath, ConfigName, Params, HiddenSize, NumLayers, NumHeads, NumKvHeads, IntermediateSize, VocabSize,
            TiedEmbeddings, LargestLayer, NumGpus, NumNodes, ZeroStage, Offload, GpuMemoryGb, ReserveGb, MicroBatch,
            SeqLength, Checkpointing, ReduceBucket, AllgatherBucket, MaxLive, Persistence, OverlapComm, Accumulation,
            LoraR, LoraTargets, Bits, DoubleQuant, LoraRanks, Fp16, Bf16, Json,
        };
        Cluster.AddTo(command);
        command.SetAction(Run);
        return command;
    }

    private int Run(ParseResult parse)
    {
        var output = parse.InvocationConfiguration.Output;
        var (model, modelLabel) = ResolveModel(parse);
        if (parse.GetValue(Fp16) && parse.GetValue(Bf16))
        {
            throw new ArgumentException("--fp16 and --bf16 exclude each other");
        }
        string targets = parse.GetValue(LoraTargets)!;
        var setup = new TrainingSetup(
            NumGpus: parse.GetValue(NumGpus),
            NumNodes: parse.GetValue(NumNodes),
            ZeroStage: parse.GetValue(ZeroStage),
            Offload: ParseOffload(parse.GetValue(Offload)!),
            MicroBatchSize: parse.GetValue(MicroBatch),
            SeqLength: parse.GetValue(SeqLength),
            GradientCheckpointing: parse.GetValue(Checkpointing),
            GpuMemoryGb: parse.GetValue(GpuMemoryGb),
            ReserveGb: parse.GetValue(ReserveGb),
            Buckets: new CommunicationBuckets(
                parse.GetValue(ReduceBucket), parse.GetValue(AllgatherBucket), parse.GetValue(MaxLive),
                parse.GetValue(Persistence)))
        {
            Dtype = parse.GetValue(Fp16) ? TrainingDtype.Fp16 : TrainingDtype.Bf16,
            GradientAccumulationSteps = parse.GetValue(Accumulation),
            Lora = parse.GetValue(LoraR) is { } rank ? LoraSettings.Parse(rank, targets) : null,
            Bits = parse.GetValue(Bits),
            DoubleQuant = parse.GetValue(DoubleQuant),
            OverlapComm = parse.GetValue(OverlapComm),
        };
        var plan = MemoryPlanner.Plan(model, setup);
        var cluster = Cluster.Read(parse, setup.GpuMemoryGb);
        IReadOnlyList<RecipeEstimate> recipes = model.Config is null
            ? []
            : RecipePlanner.Plan(model, setup, cluster, ParseRanks(parse.GetValue(LoraRanks)!),
                LoraSettings.Parse(1, targets).TargetModules);

        string dtype = parse.GetValue(Fp16) ? "fp16" : "bf16";
        if (parse.GetValue(Json))
        {
            output.WriteLine(EstimateReport.Json(plan, modelLabel, dtype, recipes, cluster));
        }
        else
        {
            output.Write(EstimateReport.Table(plan, modelLabel, dtype));
            output.Write(RecipeReport.Table(recipes, cluster, plan.Setup));
        }
        return 0;
    }

    private static List<int> ParseRanks(string value)
    {
        var ranks = new List<int>();
        foreach (var item in value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(item, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int rank) || rank <= 0)
            {
                throw new ArgumentException($"--recipe_lora_ranks: '{item}' is not a positive integer");
            }
            ranks.Add(rank);
        }
        return ranks;
    }

    private (PlannedModel Model, string Label) ResolveModel(ParseResult parse)
    {
        string? path = parse.GetValue(ModelPath);
        string? name = parse.GetValue(ConfigName);
        double? parameters = parse.GetValue(Params);
        int sources = (path is null ? 0 : 1) + (name is null ? 0 : 1) + (parameters is null ? 0 : 1);
        if (sources != 1)
        {
            throw new ArgumentException("give exactly one of --model_name_or_path DIR, --config NAME or --params N");
        }
        double? largestOverride = parse.GetValue(LargestLayer);
        if (largestOverride is <= 0)
        {
            throw new ArgumentException($"--largest_layer_params must be positive, got {largestOverride}");
        }

        if (path is not null)
        {
            var config = File.Exists(path) ? ModelConfig.LoadFile(path) : ModelConfig.LoadFromDirectory(HubCache.FromEnvironment().ResolveModel(path));
            return (WithLargest(PlannedModel.FromConfig(config), largestOverride), path);
        }
        if (name is not null)
        {
            return (WithLargest(PlannedModel.FromConfig(NamedModelConfigs.Resolve(name)), largestOverride), name);
        }

        double count = parameters!.Value;
        if (count < 1 || double.IsNaN(count) || double.IsInfinity(count))
        {
            throw new ArgumentException($"--params must be a positive count, got {count}");
        }
        var shape = ShapeFromFlags(parse);
        var model = shape is null
            ? new PlannedModel(count, null, largestOverride)
            : new PlannedModel(count, shape, largestOverride ?? ModelUnits.LargestModuleElements(shape));
        return (model, "from --params");
    }

    private static PlannedModel WithLargest(PlannedModel model, double? largest) =>
        largest is null ? model : model with { LargestLayerParameters = largest };

    /// <summary>The config the shape flags describe (units and activations); the count stays --params'.</summary>
    private ModelConfig? ShapeFromFlags(ParseResult parse)
    {
        int? hidden = parse.GetValue(HiddenSize);
        var required = new (string Flag, int? Value)[]
        {
            ("--hidden_size", hidden), ("--num_hidden_layers", parse.GetValue(NumLayers)),
            ("--num_attention_heads", parse.GetValue(NumHeads)), ("--intermediate_size", parse.GetValue(IntermediateSize)),
            ("--vocab_size", parse.GetValue(VocabSize)),
        };
        bool anyShapeFlag = required.Any(r => r.Value is not null) || parse.GetValue(NumKvHeads) is not null;
        if (!anyShapeFlag)
        {
            return null;
        }
        var missing = required.Where(r => r.Value is null).Select(r => r.Flag).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"a shape given with --params also needs {string.Join(", ", missing)}");
        }
        int heads = parse.GetValue(NumHeads)!.Value;
        int kvHeads = parse.GetValue(NumKvHeads) ?? heads;
        if (required.Any(r => r.Value <= 0) || kvHeads <= 0)
        {
            throw new ArgumentException("shape flags must be positive integers");
        }
        if (hidden!.Value % heads != 0 || heads % kvHeads != 0)
        {
            throw new ArgumentException(
                $"--hidden_size {hidden} must be a multiple of --num_attention_heads {heads}, and that of --num_key_value_heads {kvHeads}");
        }
        return new ModelConfig
        {
            HiddenSize = hidden.Value,
            NumHiddenLayers = parse.GetValue(NumLayers)!.Value,
            NumAttentionHeads = heads,
            NumKeyValueHeads = kvHeads,
            HeadDim = hidden.Value / heads,
            IntermediateSize = parse.GetValue(IntermediateSize)!.Value,
            VocabSize = parse.GetValue(VocabSize)!.Value,
            TieWordEmbeddings = parse.GetValue(TiedEmbeddings),
        };
    }

    private static OffloadMode ParseOffload(string value) => value switch
    {
        "none" => OffloadMode.None,
        "optimizer" => OffloadMode.Optimizer,
        "all" => OffloadMode.All,
        _ => throw new ArgumentException($"--offload must be none, optimizer or all, got '{value}'"),
    };
}
