using System.Buffers.Binary;
using SharpSpeed.Training;
using SharpSpeed.Training.Reporting;

namespace SharpSpeed.Tests.Training;

public sealed class ReportingTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("sharpspeed-report-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void MetricsLogWritesOneJsonObjectPerLineWithHfNames()
    {
        var path = Path.Combine(_dir, "metrics.jsonl");
        using (var log = new MetricsLog(path, append: false))
        {
            log.Write(new StepMetrics(10, 0.5, 2.25, 3e-4, 1.5, 1234) { LossScale = 65536 });
            log.Write(new StepMetrics(20, 1.0, 1.75, 2e-4, 0.9, 1300));
        }
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        Assert.StartsWith("{\"step\":10,\"epoch\":0.5,\"loss\":2.25,\"lr\":0.0003,\"grad_norm\":1.5,\"tokens_per_s\":1234,\"loss_scale\":65536", lines[0]);
        Assert.DoesNotContain("loss_scale", lines[1]);
        var read = MetricsLog.Read(path);
        Assert.Equal(20, read[1].Step);
        Assert.Equal(1.75, read[1].Loss);
    }

    [Fact]
    public void LossCurveIsAPngOfTheRequestedSize()
    {
        var path = Path.Combine(_dir, "loss_curve.png");
        LossCurvePlot.Save(path, [(1, 3.0), (2, 2.5), (3, 2.0)], [(3, 2.2)]);
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, bytes[..4]);
        // IHDR: width and height are the first two big-endian ints after the 8-byte signature and chunk header.
        Assert.Equal(900, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(540, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20, 4)));
    }

    [Fact]
    public void ReportStatesMfuFromTheFlopCountAndPeak()
    {
        var throughput = new ThroughputSummary(
            TokensPerSecond: 1000, FlopsPerToken: 6e6, PeakFlopsPerSecond: 1.2e11, PeakSource: "stated",
            ComputeShare: 0.9, ForwardMs: 10, BackwardMs: 20, OtherMs: 2, OptimizerMs: 1);
        // 1000 tokens/s * 6e6 FLOPs/token = 6e9 FLOP/s = 5% of 1.2e11.
        Assert.Equal(0.05, throughput.Mfu, 12);
        var run = new RunSummary
        {
            Model = "tiny", Parameters = 1_000_000, Dataset = "sample", WorldSize = 2, Device = "cpu",
            Precision = "fp32", ZeroStage = 2, MicroBatchSize = 2, GradientAccumulationSteps = 4, MaxSeqLength = 128,
            OptimizerSteps = 10, WallTime = TimeSpan.FromSeconds(42), TrainTokens = 42_000,
            Epochs = [new EpochSummary(1, TimeSpan.FromSeconds(42), 42_000, 1000, 2.0, Math.Log(7.5))],
            Memory = [new RankMemory(0, 4_000_000, 2_000_000, 0, 4_000_000, 0, 1_000_000)],
            Throughput = throughput, FirstLoss = 5, LastLoss = 2, EvalLoss = Math.Log(7.5),
        };
        Assert.Equal(16, run.GlobalBatchSize);
        var text = RunReport.Render(run);
        Assert.Contains("| MFU | 5.00% of", text);
        Assert.Contains("| 0 | 4.00 MB | 2.00 MB | 0 B | 4.00 MB | 0 B | 1.00 MB | 11.00 MB |", text);
        Assert.Contains("| 7.50 |", text);
        Assert.Contains("= 16 sequences", text);
    }

    [Fact]
    public void ArgumentProblemsNameTheFlag()
    {
        var problems = new TrainingArguments { GradientAccumulationSteps = 0, Bf16 = true, Fp16 = true, EvalSteps = 0 }.Problems().ToList();
        Assert.Contains(problems, p => p.StartsWith("--gradient_accumulation_steps", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.StartsWith("--eval_steps must be >= 1 (got 0)", StringComparison.Ordinal));
        Assert.Contains(problems, p => p.Contains("--bf16 and --fp16", StringComparison.Ordinal));
        Assert.Empty(new TrainingArguments().Problems());
    }
}
