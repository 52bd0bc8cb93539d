namespace SharpSpeed.Engine.Schedules;

/// <summary>
/// A learning-rate schedule as a pure function of progress, so resuming needs only the step count.
/// </summary>
public interface ILearningRateSchedule
{
    /// <summary>
    /// The rate for the optimizer step about to run, after <paramref name="appliedSteps"/> optimizer steps were applied
    /// (steps skipped for fp16 overflow do not count: neither HF nor DeepSpeed advance the scheduler on them).
    /// </summary>
    double LearningRate(long appliedSteps);
}
