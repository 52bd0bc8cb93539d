using SharpSpeed.Engine.Checkpoint;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// The DeepSpeed-style engine over a model's named parameters: <c>Backward(loss)</c> per micro-batch, <c>Step()</c>
/// after each; on every accumulation boundary it unscales and clips the gradients, skips the step on overflow, runs
/// the flat AdamW on the owned range with the scheduled rate, and writes the result back into the model.
/// The model's parameters and gradients become views of flat buffers (the model keeps working as before).
/// </summary>
public sealed class TrainingEngine : IDisposable
{
    private readonly EngineOptions _options;
    private readonly IDataParallelSync _sync;
    private int _microStep;

    public TrainingEngine(IReadOnlyList<(string Name, Tensor Parameter)> parameters, EngineOptions options,
        IDataParallelSync? sync = null, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfLessThan(options.GradientAccumulationSteps, 1);
        if (options.MaxGradNorm < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxGradNorm, "max grad norm must be >= 0");
        }
        _options = options;
        _sync = sync ?? new SingleProcessSync();
        var partitions = _sync.PartitionsOptimizerState ? _sync.WorldSize : 1;
        Layout = FlatLayout.Create(parameters.Select(p => (p.Name, p.Parameter.shape)), partitions, options.Alignment);
        var owned = _sync.PartitionsOptimizerState ? Layout.Partition(_sync.Rank) : Layout.Whole;
        Precision = new MixedPrecision(Layout, options.Precision, owned, device);
        Precision.ModelParameters.BindParameters(parameters);
        Precision.ModelGradients.BindGradients(parameters);
        Precision.CopyModelToMaster();
        Optimizer = new FlatAdamW(Layout, owned, options.Adam, options.Decays ?? WeightDecayRule.HuggingFaceDecays, device);
        _sync.Attach(Layout, Precision);
    }

    public FlatLayout Layout { get; }

    public MixedPrecision Precision { get; }

    public FlatAdamW Optimizer { get; }

    public ILossScaler LossScaler => _options.LossScaler;

    /// <summary>Optimizer steps applied (what the schedule and checkpoints count).</summary>
    public long AppliedSteps { get; private set; }

    /// <summary>Boundaries skipped because the fp16 gradients overflowed.</summary>
    public long SkippedSteps { get; private set; }

    /// <summary>The rate the next applied step will use.</summary>
    public double LearningRate => _options.Schedule.LearningRate(AppliedSteps);

    /// <summary>True when the next <see cref="Step"/> ends a gradient-accumulation cycle.</summary>
    public bool IsAccumulationBoundary => _microStep + 1 == _options.GradientAccumulationSteps;

    /// <summary>
    /// Backward of one micro-batch's loss, multiplied by the loss scale. The loss must already be normalised for the
    /// whole accumulated batch (e.g. summed token losses / tokens of all micro-batches): the engine does not divide.
    /// </summary>
    public void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        using var scope = NewDisposeScope();
        var scaled = LossScaler.LossScale == 1.0 ? loss : loss * LossScaler.LossScale;
        scaled.backward();
        _sync.AfterBackward(IsAccumulationBoundary);
    }

    /// <summary>Ends a micro-step; on the accumulation boundary, updates the model (or skips on overflow).</summary>
    public StepResult Step()
    {
        var scale = LossScaler.LossScale;
        if (!IsAccumulationBoundary)
        {
            _microStep++;
            return new StepResult(false, false, false, double.NaN, LearningRate, scale);
        }
        _microStep = 0;
        var check = Precision.UnscaleAndClip(scale, _options.MaxGradNorm, _sync.SumAcrossRanks);
        LossScaler.UpdateScale(check.Overflow);
        var learningRate = LearningRate;
        if (check.Overflow)
        {
            SkippedSteps++;
            Precision.ZeroGradients();
            return new StepResult(true, false, true, check.GradNorm, learningRate, scale);
        }
        Optimizer.Step(Precision.Master, Precision.Gradients, learningRate);
        AppliedSteps++;
        Precision.CopyMasterToModel();
        _sync.AfterStep();
        Precision.ZeroGradients();
        return new StepResult(true, true, false, check.GradNorm, learningRate, scale);
    }

    /// <summary>Bytes this rank holds per kind, for the memory report (activations are the trainer's to measure).</summary>
    public EngineMemory Memory => new(
        Precision.ModelParameters.Bytes,
        Precision.ModelGradients.Bytes,
        Precision.MasterBytes,
        Optimizer.StateBytes);

    /// <summary>This rank's engine state for a checkpoint (views of live tensors; write them before the next step).</summary>
    public (Dictionary<string, Tensor> Tensors, EngineShardMetadata Metadata) CaptureState() =>
        EngineShardState.Capture(Layout, _sync.Rank, Precision, Optimizer, LossScaler, AppliedSteps);

    /// <summary>Restores a captured state; gradient accumulation restarts at a boundary.</summary>
    public void RestoreState(string source, IReadOnlyDictionary<string, Tensor> tensors, EngineShardMetadata metadata)
    {
        AppliedSteps = EngineShardState.Restore(source, tensors, metadata, Layout, _sync.Rank, Precision, Optimizer, LossScaler);
        _sync.AfterStep();
        Precision.ZeroGradients();
        _microStep = 0;
    }

    public void Dispose()
    {
        Optimizer.Dispose();
        Precision.Dispose();
    }
}

/// <summary>Bytes per rank: 16-bit (or fp32) parameters and gradients, fp32 master copy + fp32 gradients, Adam moments.</summary>
public sealed record EngineMemory(long ParameterBytes, long GradientBytes, long MasterBytes, long OptimizerStateBytes)
{
    public long Total => ParameterBytes + GradientBytes + MasterBytes + OptimizerStateBytes;
}
