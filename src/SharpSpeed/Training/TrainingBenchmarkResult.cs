using SharpSpeed.Engine;

namespace SharpSpeed.Training;

/// <summary>Measured throughput of <see cref="TrainingBenchmark.Run"/>; times are rank 0's means per timed step.</summary>
public sealed record TrainingBenchmarkResult(
    int WorldSize, int ThreadsPerRank, long Parameters, long TimedSteps, long TokensPerStep, double ElapsedSeconds,
    double ForwardMs, double BackwardMs, double OptimizerMs, double FlopsPerToken, double PeakFlops, double FirstLoss, double LastLoss)
{
    /// <summary>Rank 0's engine-held bytes by kind at their high-water marks over the timed steps.</summary>
    public required MemoryAccount Memory { get; init; }

    /// <summary>Per timed step: time the training thread waited on gradient collectives (what backward did not hide).</summary>
    public double ExposedCommMs { get; init; }

    /// <summary>Gradient blocks whose collective started while backward was still running (per step).</summary>
    public int BlocksLaunchedDuringBackward { get; init; }

    /// <summary>Rank 0's resident-memory high-water mark (VmHWM) at the end of the run: runtime, model, activations, all.</summary>
    public long PeakResidentBytes { get; init; }

    /// <summary>Device-to-host reads per optimizer step.</summary>
    public double SyncsPerStep { get; init; }

    public long Tokens => TokensPerStep * TimedSteps;
    public double TokensPerSecond => Tokens / ElapsedSeconds;
    public double StepMs => ElapsedSeconds * 1000 / TimedSteps;
    public double Mfu => TokensPerSecond * FlopsPerToken / PeakFlops;
}
