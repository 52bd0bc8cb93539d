namespace SharpSpeed.Training.Reporting;

/// <summary>Everything report.md states about a finished run.</summary>
public sealed record RunSummary
{
    public required string Model { get; init; }
    public required long Parameters { get; init; }
    public required string Dataset { get; init; }
    public required int WorldSize { get; init; }
    public required string Device { get; init; }
    public required string Precision { get; init; }
    public required int ZeroStage { get; init; }
    public required int MicroBatchSize { get; init; }
    public required int GradientAccumulationSteps { get; init; }
    public required int MaxSeqLength { get; init; }
    public required long OptimizerSteps { get; init; }
    public required TimeSpan WallTime { get; init; }
    public required long TrainTokens { get; init; }
    public required IReadOnlyList<EpochSummary> Epochs { get; init; }
    public required IReadOnlyList<RankMemory> Memory { get; init; }
    public required ThroughputSummary Throughput { get; init; }
    public double? FirstLoss { get; init; }
    public double? LastLoss { get; init; }
    public double? EvalLoss { get; init; }
    public string? LossCurveFile { get; init; }

    /// <summary>Validation questions of an answer key, answered by greedy generation after training.</summary>
    public AnswerSummary? Answers { get; init; }

    public int GlobalBatchSize => MicroBatchSize * GradientAccumulationSteps * WorldSize;
}

public sealed record AnswerSummary(int Correct, int Total, IReadOnlyList<(string Question, string Expected, string Reply)> Examples)
{
    public double Share => Total == 0 ? 0 : (double)Correct / Total;
}

public sealed record EpochSummary(int Epoch, TimeSpan WallTime, long Tokens, double TokensPerSecond, double? TrainLoss, double? EvalLoss);

/// <summary>Bytes this rank holds, by the ZeRO paper's categories, plus the measured activation peak.</summary>
public sealed record RankMemory(
    int Rank, long ParameterBytes, long GradientBytes, long MasterWeightBytes, long OptimizerStateBytes,
    long BucketBytes, long ActivationPeakBytes)
{
    public long TotalBytes =>
        ParameterBytes + GradientBytes + MasterWeightBytes + OptimizerStateBytes + BucketBytes + ActivationPeakBytes;
}

/// <summary>
/// Speed figures. MFU = achieved model FLOP/s over the stated peak; model FLOPs per token are 6N plus
/// attention's 12 * layers * hidden * seq (PaLM appendix B), counted once per trained token.
/// ComputeShare is the fraction of step time spent in forward, backward and the optimizer step; the engine's gradient
/// reduction runs inside backward (and the ZeRO all-gather inside the step), so both include communication; the
/// rest (OtherMs) is collation, the loss all-reduce and logging.
/// </summary>
public sealed record ThroughputSummary(
    double TokensPerSecond, double FlopsPerToken, double PeakFlopsPerSecond, string PeakSource,
    double ComputeShare, double ForwardMs, double BackwardMs, double OtherMs, double OptimizerMs)
{
    public double Mfu => PeakFlopsPerSecond > 0 ? TokensPerSecond * FlopsPerToken / PeakFlopsPerSecond : 0;
}
