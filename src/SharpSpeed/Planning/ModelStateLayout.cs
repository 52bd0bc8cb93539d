using System.Globalization;
using SharpSpeed.Models;

namespace SharpSpeed.Planning;

/// <summary>
/// Where every model-state byte of one rank lives, following the engine's layout (docs/architecture.md): trainable
/// units cut into blocks (<see cref="BlockLayout"/>), T padded trainable elements, a partition P = T / world per rank,
/// E bytes per trainable element (model dtype; 4 for fp32 LoRA adapters).
/// <list type="bullet">
/// <item>stage 0: parameters T·E, gradients T·G (G = E, or 4 when accumulated in fp32), master 4T (mixed precision),
/// Adam moments 8T;</item>
/// <item>stage 1: master 4P and moments 8P; gradients the full T·G buffer plus the fp32 partition 4P;</item>
/// <item>stage 2: gradients only the fp32 partition 4P, plus reduce buckets: the largest block in E bytes,
/// two in flight with <c>overlap_comm</c>;</item>
/// <item>stage 3: parameters P·E too; gathered units up to <c>stage3_max_live_parameters</c>, at least the largest
/// unit, at most two (the next one prefetched); units of at most <c>stage3_param_persistence_threshold</c>
/// elements kept whole.</item>
/// </list>
/// <c>offload_optimizer</c> moves master, moments and the fp32 gradient partition to the host; <c>offload_param</c>
/// (stage 3) the parameter partition. Under LoRA the frozen base stays whole on every device (the engine never
/// sees it), in the model dtype or quantised (<see cref="QuantizedWeights"/>), plus one dequantised linear at a time.
/// </summary>
public static class ModelStateLayout
{
    /// <summary>Per-rank bytes for a model known by its config: what the integrator compares with the engine's ledger.</summary>
    public static RankMemory PerRank(ModelConfig config, LayoutSettings settings)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        var memory = PerRank(ModelUnits.Trainable(config, settings.Lora), settings);
        return settings.Lora is null ? memory : memory with { Kinds = [.. memory.Kinds, FrozenBase(config, settings)] };
    }

    /// <summary>Per-rank bytes of trainable units (a model known only by its parameter count uses <see cref="ModelUnits.FromCount"/>).</summary>
    public static RankMemory PerRank(IReadOnlyList<PlannedUnit> trainableUnits, LayoutSettings settings)
    {
        settings.Validate();
        int stage = settings.Stage;
        int e = settings.TrainableElementBytes;
        int fullGradientBytes = settings.FullGradientsFp32 ? 4 : e;
        long blockElements = stage == 0
            ? settings.DdpBucketCapBytes / fullGradientBytes
            : Math.Min(settings.ReduceBucketSize, settings.AllgatherBucketSize);
        long persistence = stage == 3 ? settings.Stage3ParamPersistenceThreshold : -1;
        // DDP does not partition: the engine pads stage 0's blocks for one rank.
        var blocks = BlockLayout.Plan(trainableUnits, stage == 0 ? 1 : settings.World, blockElements, persistence);
        double t = blocks.PaddedElements, p = blocks.PartitionElements;
        bool offloadOptimizer = settings.OffloadOptimizer;

        var kinds = new List<KindBytes>();
        void Add(MemoryKind kind, double bytes, bool onHost, string formula) =>
            kinds.Add(new KindBytes(kind, onHost ? 0 : bytes, onHost ? bytes : 0, formula + (onHost ? " (host)" : "")));

        if (stage < 3)
        {
            Add(MemoryKind.Parameters, t * e, false, $"T x {e} B");
        }
        else
        {
            Add(MemoryKind.Parameters, p * e, settings.OffloadParam, $"P x {e} B");
        }

        if (stage <= 1)
        {
            Add(MemoryKind.Gradients, t * fullGradientBytes, false, $"T x {fullGradientBytes} B (full buffer)");
        }
        if (stage >= 1)
        {
            Add(MemoryKind.Gradients, 4 * p, offloadOptimizer, "P x 4 B (fp32 partition)");
        }
        else if (settings.MixedPrecision)
        {
            Add(MemoryKind.Gradients, 4 * t, false, "T x 4 B (fp32 gradients)");
        }

        double optimizerElements = stage == 0 ? t : p;
        string symbol = stage == 0 ? "T" : "P";
        // An fp32 master copy exists unless the fp32 parameters themselves can be stepped: at stage 0 (the whole
        // buffer) and at stage 3 when parameters and optimizer live in the same place (the partition is the master).
        // At stages 1-2 a rank's partition is strided over the blocks, so it is a separate fp32 copy.
        bool separateMaster = settings.MixedPrecision || stage is 1 or 2 || (stage == 3 && settings.OffloadParam != offloadOptimizer);
        if (separateMaster)
        {
            Add(MemoryKind.Master, 4 * optimizerElements, offloadOptimizer, $"{symbol} x 4 B (fp32 master)");
        }
        Add(MemoryKind.Optimizer, 8 * optimizerElements, offloadOptimizer, $"{symbol} x 8 B (Adam moments)");

        if (stage >= 2)
        {
            // Open at once: the block being filled, and when units span several blocks the one before it in reduction
            // order still waiting for a parameter that straddles both; one more in flight with overlap_comm. A tied
            // embedding's blocks stay open from the head's gradient (first in backward) to the lookup's (last).
            int filling = blocks.LargestUnitElements > blocks.FullBlockElements ? 2 : 1;
            int open = Math.Min(filling + (settings.EffectiveOverlapComm ? 1 : 0), blocks.BlockCount);
            long tied = TiedEmbeddingElements(trainableUnits);
            Add(MemoryKind.Buckets, ((double)open * blocks.LargestBlockElements + tied) * e, false,
                $"({open} x largest block {Count(blocks.LargestBlockElements)}" + (tied > 0 ? $" + tied embedding {Count(tied)}" : "") + $") x {e} B");
        }

        if (stage == 3)
        {
            long largest = blocks.LargestUnitElements;
            long live = largest == 0 ? 0 : Math.Max(largest, Math.Min(settings.Stage3MaxLiveParameters, 2 * largest));
            Add(MemoryKind.GatheredParameters, (double)(live + blocks.PersistentElements) * e, false,
                $"(max(U, min(max_live, 2U)) + persistent {Count(blocks.PersistentElements)}) x {e} B, U = largest unit {Count(largest)}");
        }

        string legend = Invariant(
            $"T = {Count(blocks.PaddedElements)} trainable elements padded to blocks of {Count(blocks.FullBlockElements)}, ")
            + Invariant($"P = T / {settings.World} = {Count(blocks.PartitionElements)} per rank");
        return new RankMemory(kinds, blocks, legend);
    }

    /// <summary>The embedding unit's elements when the head shares it (no lm_head unit), else 0.</summary>
    private static long TiedEmbeddingElements(IReadOnlyList<PlannedUnit> units)
    {
        var embedding = units.FirstOrDefault(u => u.Name == "model.embed_tokens");
        return embedding is null || units.Any(u => u.Name == "lm_head") ? 0 : embedding.AlignedElements;
    }

    private static KindBytes FrozenBase(ModelConfig config, LayoutSettings settings)
    {
        double bytes = 0;
        double largestDequantised = 0;
        foreach (var parameter in ModelUnits.Of(config).SelectMany(u => u.Parameters))
        {
            bool quantised = parameter.LinearModule is not null && settings.Bits < 16;
            bytes += quantised
                ? QuantizedWeights.Bytes(parameter, settings.Bits, settings.DoubleQuant, settings.DtypeBytes)
                : (double)parameter.Elements * settings.DtypeBytes;
            if (quantised)
            {
                largestDequantised = Math.Max(largestDequantised, (double)parameter.Elements * settings.DtypeBytes);
            }
        }
        string formula = settings.Bits == 16
            ? $"all base weights x {settings.DtypeBytes} B (frozen, whole on every rank)"
            : $"decoder linears at {settings.Bits} bits ({QuantizedWeights.Formula(settings.Bits, settings.DoubleQuant)}), the rest x {settings.DtypeBytes} B, "
              + "+ one dequantised linear";
        return new KindBytes(MemoryKind.FrozenBase, bytes + largestDequantised, 0, formula);
    }

    internal static string Count(double elements) => elements.ToString("0.###e0", CultureInfo.InvariantCulture);

    private static string Invariant(FormattableString text) => FormattableString.Invariant(text);
}
