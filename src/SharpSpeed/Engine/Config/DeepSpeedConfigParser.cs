using System.Text.Json;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// Reads a DeepSpeed JSON config as HF Trainer's DeepSpeed integration hands it to DeepSpeed: <c>"auto"</c> filled from the
/// training arguments, batch keys the file leaves out taken from them, and contradictions refused naming both values.
/// Every DeepSpeed key either acts or leaves one line in <see cref="DeepSpeedConfig.Notes"/>; a near-miss of a DeepSpeed
/// key is an error naming both; keys that would change what is trained and are not run here are refused.
/// </summary>
public static class DeepSpeedConfigParser
{
    public static DeepSpeedConfig Load(string path, int worldSize, HfTrainingValues? trainer = null) =>
        Parse(DeepSpeedFile.Read(path), worldSize, trainer);

    public static DeepSpeedConfig Parse(DeepSpeedFile file, int worldSize, HfTrainingValues? trainer = null)
    {
        ArgumentNullException.ThrowIfNull(file);
        return Parse(file.Json, file.Path, worldSize, trainer);
    }

    /// <param name="worldSize">Data-parallel ranks, for the batch-size rule.</param>
    /// <param name="trainer">Training-argument values for "auto" entries; null when the config stands alone.</param>
    public static DeepSpeedConfig Parse(string json, string fileName, int worldSize, HfTrainingValues? trainer = null)
    {
        ArgumentNullException.ThrowIfNull(json);
        ArgumentNullException.ThrowIfNull(fileName);
        if (worldSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size must be at least 1");
        }
        using var document = ParseJson(json, fileName);
        var root = new ConfigSection(fileName, "", document.RootElement);
        root.RejectMisspellings(TopLevelKeyPolicy.AllKeys);
        var filler = new AutoValueFiller(trainer);

        var (trainBatch, microBatch, accumulation) = ReadBatchSizes(root, filler, worldSize);
        var clipping = filler.Double(root, "gradient_clipping", t => t.MaxGradNorm, "max_grad_norm") ?? 0.0;
        if (clipping < 0)
        {
            throw root.Error("gradient_clipping", "must be >= 0 (0 turns clipping off)");
        }
        var fp16 = PrecisionSectionReader.ReadFp16(root, filler);
        var bf16 = PrecisionSectionReader.ReadBf16(root, filler);
        if (fp16.Enabled && bf16.Enabled)
        {
            throw new DeepSpeedConfigException($"{fileName}: fp16 and bf16 cannot both be enabled");
        }
        var optimizer = OptimizerSectionReader.Read(root, filler);
        var optimizerLr = optimizer?.LearningRate ?? trainer?.LearningRate ?? OptimizerSectionReader.DefaultLearningRate;
        var scheduler = SchedulerSectionReader.Read(root, filler, optimizerLr);
        var zero = ZeroSectionReader.Read(root, trainer);
        var tensorBoard = MonitorConfig.Read(root, "tensorboard");
        var csv = MonitorConfig.Read(root, "csv_monitor");

        var config = new DeepSpeedConfig(trainBatch, microBatch, accumulation, worldSize, clipping, optimizer, scheduler,
            fp16, bf16, zero)
        {
            StepsPerPrint = PositiveInt(root, "steps_per_print"),
            WallClockBreakdown = root.Bool("wall_clock_breakdown") ?? false,
            PrescaleGradients = root.Bool("prescale_gradients") ?? false,
            GradientPredivideFactor = ReadPredivideFactor(root),
            TensorBoard = tensorBoard,
            CsvMonitor = csv,
        };
        TopLevelKeyPolicy.Apply(root);
        root.CheckUnknownKeys(alsoKnown: TopLevelKeyPolicy.AllKeys);
        filler.ThrowOnMismatches(fileName);
        return config with { Notes = [.. root.Notes] };
    }

    private static JsonDocument ParseJson(string json, string fileName)
    {
        try
        {
            return JsonDocument.Parse(json, new JsonDocumentOptions { AllowTrailingCommas = false, MaxDepth = 64 });
        }
        catch (JsonException e)
        {
            var line = e.LineNumber is { } l ? $" at line {l + 1}" : "";
            throw new DeepSpeedConfigException($"{fileName}: not valid JSON{line}: {e.Message}", e);
        }
    }

    /// <summary>
    /// DeepSpeed's rule train_batch_size = micro * accumulation * world: two of the three determine the third
    /// (by DeepSpeed's integer division), all three must agree, and at least one of train / micro must be given.
    /// With training arguments, a micro-batch or accumulation key the file leaves out takes the trainer's value, as HF's
    /// integration (through accelerate) fills it, and one note says so.
    /// </summary>
    private static (int Train, int Micro, int Accumulation) ReadBatchSizes(ConfigSection root, AutoValueFiller filler, int world)
    {
        var micro = filler.Integer(root, "train_micro_batch_size_per_gpu", t => t.PerDeviceTrainBatchSize,
            "per_device_train_batch_size");
        var accumulation = filler.Integer(root, "gradient_accumulation_steps", t => t.GradientAccumulationSteps,
            "gradient_accumulation_steps");
        var train = filler.Integer(root, "train_batch_size",
            t => (long)world * t.PerDeviceTrainBatchSize * t.GradientAccumulationSteps, HfTrainingValues.TrainBatchSizeName);
        if (filler.Trainer is { } hf)
        {
            var taken = new List<string>();
            if (micro is null)
            {
                micro = hf.PerDeviceTrainBatchSize;
                taken.Add($"train_micro_batch_size_per_gpu={micro} from --per_device_train_batch_size");
            }
            if (accumulation is null)
            {
                accumulation = hf.GradientAccumulationSteps;
                taken.Add($"gradient_accumulation_steps={accumulation} from --gradient_accumulation_steps");
            }
            if (taken.Count > 0)
            {
                var total = train is null ? $"; train_batch_size = {micro} x {accumulation} x {world} rank(s) = {micro * accumulation * world}" : "";
                root.Notes.Add($"{root.File}: batch keys not in the file: {string.Join(", ", taken)}{total}");
            }
            // HF reports a batch size contradicting the flags as a mismatch, before DeepSpeed's own rule could.
            filler.ThrowOnMismatches(root.File);
        }

        switch (train, micro, accumulation)
        {
            case (not null, not null, not null):
                break;
            case (not null, not null, null):
                accumulation = train / micro / world;
                break;
            case (not null, null, not null):
                micro = train / world / accumulation;
                break;
            case (null, not null, not null):
                train = micro * accumulation * world;
                break;
            case (not null, null, null):
                accumulation = 1;
                micro = train / world;
                break;
            case (null, not null, null):
                accumulation = 1;
                train = micro * world;
                break;
            default:
                throw new DeepSpeedConfigException(
                    $"{root.File}: either train_batch_size or train_micro_batch_size_per_gpu needs to be provided");
        }
        if (train <= 0 || micro <= 0 || accumulation <= 0)
        {
            throw new DeepSpeedConfigException(
                $"{root.File}: train_batch_size ({train}), train_micro_batch_size_per_gpu ({micro}) and " +
                $"gradient_accumulation_steps ({accumulation}) must all be greater than 0 (world size {world})");
        }
        if (train != micro * accumulation * world)
        {
            throw new DeepSpeedConfigException(
                $"{root.File}: train_batch_size is not equal to micro_batch_per_gpu * gradient_acc_step * world_size: " +
                $"{train} != {micro} * {accumulation} * {world}");
        }
        if (train > int.MaxValue)
        {
            throw root.Error("train_batch_size", $"is too large ({train})");
        }
        return ((int)train.Value, (int)micro!.Value, (int)accumulation!.Value);
    }

    private static double ReadPredivideFactor(ConfigSection root)
    {
        var factor = root.Double("gradient_predivide_factor") ?? 1.0;
        return factor > 0 ? factor : throw root.Error("gradient_predivide_factor", "must be > 0");
    }

    internal static int? PositiveInt(ConfigSection section, string key)
    {
        var value = section.Int32(key);
        return value is null or > 0 ? value : throw section.Error(key, $"must be > 0, not {value}");
    }
}
