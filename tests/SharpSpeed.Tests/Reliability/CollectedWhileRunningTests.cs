using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using SharpSpeed.Tests.Comm;
using SharpSpeed.Tests.Training;

namespace SharpSpeed.Tests.Reliability;

/// <summary>
/// Two-rank training runs (accumulation, evaluation, checkpoints, greedy answer scoring) while each rank's second thread
/// collects garbage and runs finalizers without pause: whatever SharpSpeed hands libtorch must be held by more than the
/// collector. Before HeldScalars, RmsNorm's alpha-less <c>add</c> failed this in 3 of 3 runs ("Expected false to be
/// true ... toFloat"), the failure CI met once in a normal run.
/// </summary>
public sealed partial class CollectedWhileRunningTests : IDisposable
{
    private static readonly string Cli = Path.Combine(AppContext.BaseDirectory, "SharpSpeed.Cli.dll");
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-collected-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Theory]
    [InlineData("""{ "stage": 2, "reduce_bucket_size": 40000, "allgather_bucket_size": 40000 }""", false)]
    [InlineData("""{ "stage": 2, "reduce_bucket_size": 40000, "allgather_bucket_size": 40000 }""", true)]
    [InlineData("""
        { "stage": 3, "reduce_bucket_size": 40000, "allgather_bucket_size": 40000, "stage3_prefetch_bucket_size": 40000,
          "stage3_param_persistence_threshold": 1000, "offload_optimizer": { "device": "cpu" }, "offload_param": { "device": "cpu" } }
        """, false)]
    public void TrainingSurvivesACollectorThatNeverPauses(string zeroOptimization, bool quantizedAdapters)
    {
        var config = Path.Combine(_root, "zero.json");
        File.WriteAllText(config, $$"""
            { "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto", "gradient_clipping": "auto",
              "zero_optimization": {{zeroOptimization}} }
            """);
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in (string[])[Cli, "launch", "--nproc_per_node", "2", "--no_python", "dotnet", MpiJob.WorkerDll,
                     "collected-while-running", _root, SmallTrainingModel.Folder, config, quantizedAdapters ? "qlora" : "full"])
        {
            info.ArgumentList.Add(argument);
        }
        // Optimised from the first call, as the sharpspeed executable runs: locals die at their last use.
        info.Environment["DOTNET_TieredCompilation"] = "0";
        info.Environment["OMPI_MCA_btl"] = "self,vader";
        info.Environment["OMPI_MCA_btl_vader_single_copy_mechanism"] = "none";
        var (exitCode, output) = MpiJob.RunToEnd(info, MpiJob.Timeout);

        Assert.True(exitCode == 0, $"the run failed under collection pressure:\n{output}");
        var collections = Collections().Matches(output).Select(m => long.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture)).ToList();
        Assert.True(collections.Count == 2 && collections.All(c => c >= 500), $"each rank should report at least 500 collections:\n{output}");
    }

    [GeneratedRegex(@"(\d+) collections during the run")]
    private static partial Regex Collections();
}
