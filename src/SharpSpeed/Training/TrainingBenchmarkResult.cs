namespace SharpSpeed.Training;

/// <summary>Measured throughput of <see cref="TrainingBenchmark.Run"/>; times are rank 0's means per timed step.</summary>
public sealed record TrainingBenchmarkResult(
    int WorldSize, int ThreadsPerRank, long Parameters, long TimedSteps, long TokensPerStep, double ElapsedSeconds,
    double ForwardMs, double BackwardMs, double OptimizerMs, double FlopsPerToken, double PeakFlops, double FirstLoss, double LastLoss)
{
    public long Tokens => TokensPerStep * TimedSteps;
    public double TokensPerSecond => Tokens / ElapsedSeconds;
    public double StepMs => ElapsedSeconds * 1000 / TimedSteps;
    public double Mfu => TokensPerSecond * FlopsPerToken / PeakFlops;
}
