namespace SharpSpeed.Engine.Config;

/// <summary>
/// Reads a DeepSpeed JSON config as DeepSpeed's engine does. Every DeepSpeed key either acts or leaves one line in
/// <see cref="DeepSpeedConfig.Notes"/>; a near-miss of a DeepSpeed key is an error naming both; keys that would change
/// what is trained and are not run here are refused. <c>"auto"</c> in a key it reads is refused too: filling it from training arguments
/// is the trainer's job, done before this parser runs (Training/DeepSpeedIntegration, as HF's Trainer does it).
/// </summary>
public static class DeepSpeedConfigParser
{
    /// <param name="worldSize">Data-parallel ranks, for the batch-size rule.</param>
    public static DeepSpeedConfig Parse(DeepSpeedFile file, int worldSize)
    {
        ArgumentNullException.ThrowIfNull(file);
        if (worldSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(worldSize), worldSize, "world size must be at least 1");
        }
        var fileName = file.Path;
        var root = new ConfigSection(fileName, "", file.Root);
        root.RejectMisspellings(TopLevelKeyPolicy.AllKeys);

        var (trainBatch, microBatch, accumulation) = ReadBatchSizes(root, worldSize);
        var clipping = root.Double("gradient_clipping") ?? 0.0;
        if (clipping < 0)
        {
            throw root.Error("gradient_clipping", "must be >= 0 (0 turns clipping off)");
        }
        var fp16 = PrecisionSectionReader.ReadFp16(root);
        var bf16 = PrecisionSectionReader.ReadBf16(root);
        if (fp16.Enabled && bf16.Enabled)
        {
            throw new DeepSpeedConfigException($"{fileName}: fp16 and bf16 cannot both be enabled");
        }
        var optimizer = OptimizerSectionReader.Read(root);
        var scheduler = SchedulerSectionReader.Read(root, optimizer?.LearningRate ?? OptimizerSectionReader.DefaultLearningRate);
        var zero = ZeroSectionReader.Read(root);
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
        return config with { Notes = [.. root.Notes] };
    }

    /// <summary>
    /// DeepSpeed's rule train_batch_size = micro * accumulation * world: two of the three determine the third
    /// (by DeepSpeed's integer division), all three must agree, and at least one of train / micro must be given.
    /// </summary>
    private static (int Train, int Micro, int Accumulation) ReadBatchSizes(ConfigSection root, int world)
    {
        var micro = root.Integer("train_micro_batch_size_per_gpu");
        var accumulation = root.Integer("gradient_accumulation_steps");
        var train = root.Integer("train_batch_size");
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
