using System.Text.Json;
using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Tests.EngineParity;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>
/// Engine parity runs under mpirun: every rank trains each named run (see <see cref="ParitySetup"/>) with the
/// TrainingEngine over the MPI process group and reports the consolidated fp32 weights (base64 float32 in layout
/// order), step results and its memory account in rankN.json.
/// </summary>
internal static class EngineScenario
{
    public static int Run(string outputDirectory, IReadOnlyList<string> runs)
    {
        torch.set_num_threads(1);
        using var group = ProcessGroups.Create("mpi");
        var report = new Dictionary<string, object>
        {
            ["rank"] = group.Rank,
            ["world"] = group.WorldSize,
        };
        var results = new Dictionary<string, object>();
        foreach (var run in runs)
        {
            results[run] = TrainOne(group, run);
        }
        report["runs"] = results;
        File.WriteAllText(Path.Combine(outputDirectory, $"rank{group.Rank}.json"), JsonSerializer.Serialize(report));
        return 0;
    }

    private static Dictionary<string, object> TrainOne(ProcessGroup group, string run)
    {
        // Each rank starts from a different model so the broadcast from rank 0 is what makes them agree.
        using var model = CreateRankModel(group.Rank);
        using var engine = new TrainingEngine(model, ParitySetup.Options(run), group);
        var steps = ParitySetup.Train(model, engine, run, group.Rank, group.WorldSize);
        var weights = engine.ConsolidatedWeights();
        var flat = cat(weights.Values.Select(w => w.reshape(-1)).ToList()).to(ScalarType.Float32);
        var bytes = flat.bytes.ToArray();
        foreach (var w in weights.Values)
        {
            w.Dispose();
        }
        var memory = engine.Memory;
        return new Dictionary<string, object>
        {
            ["names"] = weights.Keys.ToArray(),
            ["weights"] = Convert.ToBase64String(bytes),
            ["grad_norms"] = steps.Select(s => s.GradNorm).ToArray(),
            ["lrs"] = steps.Select(s => s.LearningRate).ToArray(),
            ["skipped"] = steps.Count(s => s.Skipped),
            ["memory"] = memory,
            ["total_elements"] = engine.Layout.TotalElements,
            ["parameter_elements"] = engine.Layout.ParameterElements,
        };

        Models.LlamaForCausalLM CreateRankModel(int rank) =>
            rank == 0 ? ParitySetup.CreateModel(ParitySetup.ModelType(run)) : Models.LlamaForCausalLM.CreateRandom(ParitySetup.Config, 99 + rank, ParitySetup.ModelType(run));
    }
}
