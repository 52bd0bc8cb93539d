using System.Diagnostics;
using System.Globalization;
using SharpSpeed.Comm;
using SharpSpeed.Engine;
using SharpSpeed.Models;
using SharpSpeed.Training.Checkpoints;
using SharpSpeed.Training.Reporting;

namespace SharpSpeed.Training;

/// <summary>
/// Epochs of optimizer steps from the resume position on: logging every --logging_steps, or the DeepSpeed config's
/// steps_per_print when the flag is not given (token-weighted mean loss of the window; with wall_clock_breakdown also
/// the window's mean forward / backward / step times), DeepSpeed's monitors every step, evaluation every --eval_steps
/// and at each epoch's end, checkpoints every --save_steps. An epoch's micro-batches that do not fill a whole
/// accumulation are left out, so every step sees the same global batch size. It reads the resolved
/// <see cref="RunSettings"/> only, never the flags, so a DeepSpeed file's values cannot be bypassed here.
/// </summary>
internal sealed class TrainingLoop(
    RunSettings settings, LlamaForCausalLM model, TrainingEngine engine, ProcessGroup group,
    TrainingData data, CheckpointStore store, TrainerState state, TextWriter log, bool interactive)
{
    public const string MetricsFileName = "metrics.jsonl";

    private readonly bool _isMain = group.Rank == 0;

    public LoopResult Run(long totalSteps, int epochs, long stepsPerEpoch)
    {
        var accumulation = settings.GradientAccumulationSteps;
        var resumed = state.GlobalStep > 0;
        using var metrics = _isMain ? new MetricsLog(Path.Combine(settings.OutputDir, MetricsFileName), append: resumed) : null;
        var tensorBoard = _isMain && settings.TensorBoard
            ? new TensorBoardLog(Path.Combine(settings.OutputDir, "runs"))
            : null;
        var monitors = _isMain ? DeepSpeedMonitors.Open(settings.DeepSpeed) : null;
        var fp16 = settings.Precision == Engine.Precision.TrainingPrecision.Fp16;
        var progress = new ProgressDisplay(log, interactive, totalSteps, state.GlobalStep);
        var optimizerStep = new OptimizerStep(model, engine, group, data);
        var result = new LoopResult();
        var window = new Window();
        var wall = Stopwatch.StartNew();
        long lastEvalStep = -1;

        for (var epoch = state.DataEpoch; epoch < epochs && state.GlobalStep < totalSteps; epoch++)
        {
            var epochClock = Stopwatch.StartNew();
            var epochWindow = new Window();
            var first = epoch == state.DataEpoch ? (int)state.DataStepInEpoch : 0;
            var micro = data.Sampler.Epoch(epoch, first).Select(b => b.Indices).ToList();
            for (var i = 0; i + accumulation <= micro.Count && state.GlobalStep < totalSteps; i += accumulation)
            {
                var outcome = optimizerStep.Run(micro.GetRange(i, accumulation));
                state.GlobalStep++;
                state.DataEpoch = epoch;
                state.DataStepInEpoch = first + i + accumulation;
                state.Epoch = epoch + (double)state.DataStepInEpoch / (stepsPerEpoch * accumulation);
                state.NumInputTokensSeen += outcome.InputTokens;
                window.Add(outcome);
                epochWindow.Add(outcome);
                result.Add(outcome);
                var times = new StepTimes(outcome.ForwardMs, outcome.BackwardMs, outcome.OptimizerMs);
                monitors?.Write(state.GlobalStep * settings.GlobalBatchSize, outcome.Loss, outcome.Engine.LearningRate,
                    fp16 ? outcome.Engine.LossScale : null, times);

                var logged = state.GlobalStep % settings.LoggingSteps == 0 || state.GlobalStep == totalSteps;
                var line = window.Metrics(state.GlobalStep, state.Epoch, outcome) with
                {
                    SkippedSteps = result.SkippedSteps,
                };
                if (logged)
                {
                    metrics?.Write(line);
                    tensorBoard?.Write(line);
                    state.LogTrain(line);
                    result.Logged.Add(line);
                    if (settings.DeepSpeed?.WallClockBreakdown == true)
                    {
                        Say(progress, window.TimeSplit(state.GlobalStep));
                    }
                    window = new Window();
                }
                if (_isMain)
                {
                    progress.Update(line, logged);
                }
                if (settings.EvalSteps is { } every && state.GlobalStep % every == 0)
                {
                    Evaluate(result, tensorBoard, progress);
                    lastEvalStep = state.GlobalStep;
                }
                if (settings.SaveSteps > 0 && state.GlobalStep % settings.SaveSteps == 0)
                {
                    var saved = store.Save(state.GlobalStep, model, engine, state, settings.SaveTotalLimit);
                    Say(progress, $"saved {saved}");
                }
            }
            var usable = micro.Count - micro.Count % accumulation;
            if (state.DataEpoch == epoch && state.DataStepInEpoch == first + usable)
            {
                state.DataEpoch = epoch + 1;
                state.DataStepInEpoch = 0;
            }
            EvalResult? eval = null;
            if (lastEvalStep != state.GlobalStep)
            {
                eval = Evaluate(result, tensorBoard, progress);
                lastEvalStep = state.GlobalStep;
            }
            else if (result.Evals.Count > 0)
            {
                eval = result.Evals[^1].Result;
            }
            var seconds = epochClock.Elapsed.TotalSeconds;
            result.Epochs.Add(new EpochSummary(epoch + 1, epochClock.Elapsed, epochWindow.InputTokens,
                seconds > 0 ? epochWindow.InputTokens / seconds : 0, epochWindow.MeanLoss, eval?.Loss));
        }
        result.WallTime = wall.Elapsed;
        return result;
    }

    private EvalResult? Evaluate(LoopResult result, TensorBoardLog? tensorBoard, ProgressDisplay progress)
    {
        if (data.Validation is not { } validation)
        {
            return null;
        }
        var eval = Evaluator.Run(model, data, validation, settings.EvalBatchSize, group, lockstep: engine.PartitionsParameters);
        state.LogEval(state.GlobalStep, state.Epoch, eval.Loss, eval.Elapsed.TotalSeconds);
        tensorBoard?.WriteEval(state.GlobalStep, eval.Loss, eval.Perplexity);
        result.Evals.Add((state.GlobalStep, eval));
        Say(progress, string.Create(CultureInfo.InvariantCulture,
            $"eval at step {state.GlobalStep}: loss {eval.Loss:F4}, perplexity {eval.Perplexity:F2} ({eval.Tokens} tokens, {eval.Elapsed.TotalSeconds:F1} s)"));
        return eval;
    }

    private void Say(ProgressDisplay progress, string message)
    {
        if (_isMain)
        {
            progress.Message(message);
        }
    }

    /// <summary>Sums over the steps since the last log line.</summary>
    private sealed class Window
    {
        private readonly Stopwatch _clock = Stopwatch.StartNew();
        private double _lossTimesTokens;
        private long _labelTokens;
        private double _forwardMs, _backwardMs, _stepMs;
        private int _steps;

        public long InputTokens { get; private set; }

        public double? MeanLoss => _labelTokens > 0 ? _lossTimesTokens / _labelTokens : null;

        public void Add(StepOutcome outcome)
        {
            _lossTimesTokens += outcome.Loss * outcome.LabelTokens;
            _labelTokens += outcome.LabelTokens;
            InputTokens += outcome.InputTokens;
            _forwardMs += outcome.ForwardMs;
            _backwardMs += outcome.BackwardMs;
            _stepMs += outcome.OptimizerMs;
            _steps++;
        }

        /// <summary>wall_clock_breakdown's line: rank 0's mean milliseconds per optimizer step since the last log.</summary>
        public string TimeSplit(long step) => string.Create(CultureInfo.InvariantCulture,
            $"step {step}: time (ms) | forward: {_forwardMs / _steps:F2} | backward: {_backwardMs / _steps:F2} | step: {_stepMs / _steps:F2}");

        public StepMetrics Metrics(long step, double epoch, StepOutcome last) =>
            new(step, Math.Round(epoch, 4), MeanLoss ?? double.NaN, last.Engine.LearningRate, last.Engine.GradNorm,
                InputTokens / Math.Max(1e-9, _clock.Elapsed.TotalSeconds))
            {
                LossScale = last.Engine.LossScale == 1.0 ? null : last.Engine.LossScale,
                StepMilliseconds = last.ForwardMs + last.BackwardMs + last.OptimizerMs,
            };
    }
}

/// <summary>Everything the loop measured, for the report.</summary>
internal sealed class LoopResult
{
    public List<StepOutcome> Steps { get; } = [];
    public List<StepMetrics> Logged { get; } = [];
    public List<(long Step, EvalResult Result)> Evals { get; } = [];
    public List<EpochSummary> Epochs { get; } = [];
    public TimeSpan WallTime { get; set; }

    /// <summary>Steps skipped because the gradients were not finite (fp16 overflow).</summary>
    public long SkippedSteps { get; private set; }

    public void Add(StepOutcome outcome)
    {
        Steps.Add(outcome);
        SkippedSteps += outcome.Engine.Skipped ? 1 : 0;
    }
}
