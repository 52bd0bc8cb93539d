using SharpSpeed.Engine.Precision;
using SharpSpeed.Models;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>How the engine turns the model's units into the flat layout's units and picks the block size.</summary>
internal static class EngineLayout
{
    /// <summary>
    /// The layout's units in order, which layout unit each model unit became, and the persistent unit. At stage 3,
    /// parameters below stage3_param_persistence_threshold leave their units for one persistent unit laid out first
    /// (gathered once per optimizer step, never released). At stage 0 the whole model is one unit, so blocks are torch
    /// DDP's buckets: split only by bucket_cap, across layers. One block per 25 MB, not one per layer, means one
    /// blocking collective where there were five (tiny model, 2 ranks: 13.3-14.0k to 15.6-16.6k tokens/s). At stages 1
    /// and 2 the model's units are taken as they are.
    /// </summary>
    public static (List<(string Name, IEnumerable<(string Name, long[] Shape)> Parameters)> Units, Dictionary<int, int> UnitOfModelUnit, int? PersistentUnit)
        Units(IReadOnlyList<ParameterUnit> units, TrainingEngineOptions options)
    {
        if (options.ZeroStage == 0)
        {
            List<(string, IEnumerable<(string, long[])>)> whole =
                [("model", units.SelectMany(u => u.Parameters).Select(p => (p.Name, p.Parameter.shape)).ToList())];
            return (whole, units.ToDictionary(u => u.Index, _ => 0), null);
        }
        var threshold = options.ZeroStage == 3 ? options.Stage3.ParamPersistenceThreshold : 0;
        bool Persistent((string Name, TorchSharp.Modules.Parameter Parameter) p) => p.Parameter.numel() < threshold;
        var layoutUnits = new List<(string, IEnumerable<(string, long[])>)>();
        var unitOfModelUnit = new Dictionary<int, int>();
        int? persistentUnit = null;
        var persistent = units.SelectMany(u => u.Parameters).Where(Persistent).ToList();
        if (persistent.Count > 0)
        {
            persistentUnit = layoutUnits.Count;
            layoutUnits.Add(("persistent", persistent.Select(p => (p.Name, p.Parameter.shape)).ToList()));
        }
        foreach (var unit in units)
        {
            var rest = unit.Parameters.Where(p => !Persistent(p)).ToList();
            if (rest.Count == 0)
            {
                continue;
            }
            unitOfModelUnit[unit.Index] = layoutUnits.Count;
            layoutUnits.Add((unit.Name, rest.Select(p => (p.Name, p.Parameter.shape)).ToList()));
        }
        return (layoutUnits, unitOfModelUnit, persistentUnit);
    }

    /// <summary>Elements per block: torch DDP's bucket_cap_mb at stage 0, else the smaller of DeepSpeed's two bucket sizes.</summary>
    public static long BlockElements(TrainingEngineOptions options, ScalarType modelType)
    {
        var elementSize = modelType == ScalarType.Float32 ? 4 : 2;
        return options.ZeroStage == 0
            ? Math.Max(1, options.DdpBucketCapBytes / elementSize)
            : Math.Min(options.ReduceBucketSize, options.AllgatherBucketSize);
    }
}
