using SharpSpeed.Comm;
using SharpSpeed.Models;
using SharpSpeed.Training.Reporting;

namespace SharpSpeed.Training;

/// <summary>Turns what a run measured into report.md and loss_curve.png.</summary>
internal static class RunReporting
{
    public const string ReportFileName = "report.md";
    public const string LossCurveFileName = "loss_curve.png";

    public static RunSummary Summarize(
        TrainingArguments args, RunSettings settings, ModelConfig config, string modelName, ProcessGroup group,
        LoopResult result, IReadOnlyList<RankMemory> memory, double peakFlops, long totalSteps)
    {
        var steps = result.Steps;
        var inputTokens = steps.Sum(s => s.InputTokens);
        var samples = Math.Max(1, steps.Sum(s => s.Samples));
        var seconds = Math.Max(1e-9, result.WallTime.TotalSeconds);
        double Mean(Func<StepOutcome, double> pick) => steps.Count == 0 ? 0 : steps.Average(pick);
        var forward = Mean(s => s.ForwardMs);
        var backward = Mean(s => s.BackwardMs);
        var optimizer = Mean(s => s.OptimizerMs);
        var stepWall = steps.Count == 0 ? 0 : result.WallTime.TotalMilliseconds / steps.Count;
        var throughput = new ThroughputSummary(
            TokensPerSecond: inputTokens / seconds,
            FlopsPerToken: ComputeBudget.FlopsPerToken(config, (double)inputTokens / samples),
            PeakFlopsPerSecond: peakFlops,
            PeakSource: "measured fp32 matmul rate of all ranks together",
            ComputeShare: stepWall > 0 ? Math.Min(1, (forward + backward + optimizer) / stepWall) : 0,
            ForwardMs: forward,
            BackwardMs: backward,
            OtherMs: Math.Max(0, stepWall - forward - backward - optimizer),
            OptimizerMs: optimizer);
        return new RunSummary
        {
            Model = modelName,
            Parameters = config.ParameterCount(),
            Dataset = args.Dataset ?? "oasst1-sample (bundled)",
            WorldSize = group.WorldSize,
            Device = args.Device,
            Precision = settings.Precision.ToString().ToLowerInvariant(),
            ZeroStage = settings.ZeroStage,
            MicroBatchSize = settings.MicroBatchSize,
            GradientAccumulationSteps = settings.GradientAccumulationSteps,
            MaxSeqLength = args.MaxSeqLength,
            OptimizerSteps = steps.Count,
            WallTime = result.WallTime,
            TrainTokens = inputTokens,
            Epochs = result.Epochs,
            Memory = memory,
            Throughput = throughput,
            FirstLoss = result.Logged.Count > 0 ? result.Logged[0].Loss : null,
            LastLoss = result.Logged.Count > 0 ? result.Logged[^1].Loss : null,
            EvalLoss = result.Evals.Count > 0 ? result.Evals[^1].Result.Loss : null,
            LossCurveFile = LossCurveFileName,
        };
    }

    public static void Write(string outputDir, RunSummary summary, LoopResult result)
    {
        LossCurvePlot.Save(
            Path.Combine(outputDir, LossCurveFileName),
            result.Logged.Select(m => (m.Step, m.Loss)).ToList(),
            result.Evals.Select(e => (e.Step, e.Result.Loss)).ToList());
        RunReport.Write(Path.Combine(outputDir, ReportFileName), summary);
    }
}
