using System.Globalization;
using System.Text;

namespace SharpSpeed.Training.Reporting;

/// <summary>Writes report.md: the table the seed workflow reports (time per epoch, tokens/s, memory per card, loss).</summary>
public static class RunReport
{
    public static string Render(RunSummary run)
    {
        var text = new StringBuilder();
        void Line(string line) => text.Append(line).Append('\n');
        string F(FormattableString value) => value.ToString(CultureInfo.InvariantCulture);

        Line("# SharpSpeed training report");
        Line("");
        Line("| setting | value |");
        Line("|---|---|");
        Line(F($"| model | {run.Model} ({run.Parameters:N0} parameters) |"));
        Line(F($"| data set | {run.Dataset} |"));
        Line(F($"| ranks | {run.WorldSize} x {run.Device} |"));
        Line(F($"| precision | {run.Precision} |"));
        Line(F($"| ZeRO stage | {run.ZeroStage} |"));
        Line(F($"| batch | micro {run.MicroBatchSize} x accumulation {run.GradientAccumulationSteps} x ranks {run.WorldSize} = {run.GlobalBatchSize} sequences |"));
        Line(F($"| max sequence length | {run.MaxSeqLength} |"));
        Line(F($"| optimizer steps | {run.OptimizerSteps} |"));
        Line(F($"| wall time | {run.WallTime:hh\\:mm\\:ss\\.f} |"));
        Line(F($"| trained tokens | {run.TrainTokens:N0} |"));
        Line("");
        Line("## Per epoch");
        Line("");
        Line("| epoch | time | tokens | tokens/s | train loss (end) | eval loss | eval perplexity |");
        Line("|---|---|---|---|---|---|---|");
        foreach (var epoch in run.Epochs)
        {
            Line(F($"| {epoch.Epoch} | {epoch.WallTime:hh\\:mm\\:ss\\.f} | {epoch.Tokens:N0} | {epoch.TokensPerSecond:F0} | {Number(epoch.TrainLoss)} | {Number(epoch.EvalLoss)} | {Perplexity(epoch.EvalLoss)} |"));
        }
        Line("");
        Line("## Speed");
        Line("");
        var speed = run.Throughput;
        Line("| measure | value |");
        Line("|---|---|");
        Line(F($"| tokens/s (all ranks) | {speed.TokensPerSecond:F0} |"));
        Line(F($"| tokens/s per rank | {speed.TokensPerSecond / run.WorldSize:F0} |"));
        Line(F($"| model FLOPs per token | {speed.FlopsPerToken:E3} (6N + 12 * layers * hidden * seq) |"));
        Line(F($"| MFU | {speed.Mfu * 100:F2}% of {speed.PeakFlopsPerSecond:E3} FLOP/s ({speed.PeakSource}) |"));
        Line(F($"| utilisation (compute share of step time) | {speed.ComputeShare * 100:F1}% |"));
        Line(F($"| step split, ms | forward {speed.ForwardMs:F1}, backward {speed.BackwardMs:F1}, optimizer step {speed.OptimizerMs:F1}, other (collation, loss all-reduce, logging) {speed.OtherMs:F1} |"));
        Line("");
        Line("## Memory per rank (bytes held by SharpSpeed's tensors)");
        Line("");
        Line("| rank | parameters | gradients | fp32 master | optimizer states | buckets | working memory peak (RSS above model states) | total |");
        Line("|---|---|---|---|---|---|---|---|");
        foreach (var m in run.Memory)
        {
            Line(F($"| {m.Rank} | {Bytes(m.ParameterBytes)} | {Bytes(m.GradientBytes)} | {Bytes(m.MasterWeightBytes)} | {Bytes(m.OptimizerStateBytes)} | {Bytes(m.BucketBytes)} | {Bytes(m.ActivationPeakBytes)} | {Bytes(m.TotalBytes)} |"));
        }
        Line("");
        Line("## Loss");
        Line("");
        Line(F($"First logged loss {Number(run.FirstLoss)}, last {Number(run.LastLoss)}; eval loss {Number(run.EvalLoss)} (perplexity {Perplexity(run.EvalLoss)})."));
        if (run.Answers is { } answers)
        {
            Line("");
            Line("## Validation questions (greedy generation)");
            Line("");
            Line(F($"{answers.Correct} of {answers.Total} answered correctly ({answers.Share * 100:F1}%): the reply contains the expected short answer."));
            Line("");
            Line("| question | expected | reply |");
            Line("|---|---|---|");
            foreach (var (question, expected, reply) in answers.Examples)
            {
                Line($"| {Cell(question)} | {Cell(expected)} | {Cell(reply)} |");
            }
        }
        if (run.LossCurveFile is { } curve)
        {
            Line("");
            Line($"![loss curve]({curve})");
        }
        return text.ToString();
    }

    public static void Write(string path, RunSummary run) => File.WriteAllText(path, Render(run));

    private static string Cell(string text) => text.Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" ");

    private static string Number(double? value) =>
        value is { } v ? v.ToString("F4", CultureInfo.InvariantCulture) : "-";

    private static string Perplexity(double? loss) =>
        loss is { } l ? Math.Exp(l).ToString("F2", CultureInfo.InvariantCulture) : "-";

    internal static string Bytes(long bytes) => bytes switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:F2} GB"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:F2} MB"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:F1} kB"),
        _ => bytes.ToString(CultureInfo.InvariantCulture) + " B",
    };
}
