using SharpSpeed.Comm;
using SharpSpeed.Engine.DataParallel;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Zero;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// A DeepSpeed-like engine over one <see cref="ProcessGroup"/> (the single group on one process, MPI or NCCL across
/// ranks; one code path for all). The model's parameters become views of one flat buffer of the model dtype, broadcast
/// from rank 0. The trainer calls <see cref="Backward"/> once per micro-batch and <see cref="Step"/> once per
/// accumulation boundary.
/// <para>Gradient semantics (DeepSpeed's): gradients are AVERAGED over ranks. To train on the mean token loss of the
/// global batch, pass loss = (sum of token losses of this micro-batch) * WorldSize / (label tokens of the whole global
/// batch: all micro-batches of all ranks); then the averaged, accumulated gradient equals the full-batch gradient.</para>
/// <para>Stage 0 (DDP): every rank holds everything; gradients are all-reduced in DDP buckets on the boundary micro-step
/// only (no_sync before), from gradient hooks during backward when overlap_comm is on. Stage 1: fp32 master weights and
/// Adam moments exist only for this rank's partition; gradients are reduce-scattered at the boundary. Stage 2: gradients
/// are reduce-scattered after every micro-step's backward and accumulated in an fp32 partition; the full-size gradient
/// exists only during backward. After the step, stages 1 and 2 all-gather the updated parameters.</para>
/// <para>Precision: fp32 trains the flat buffer itself (it is the master copy). bf16 / fp16 keep 16-bit parameters and
/// gradients, an fp32 master copy and fp32 gradients of the owned range; fp16 scales the loss with DeepSpeed's loss
/// scaler, and an overflow on any rank (an infinite summed squared norm) makes every rank skip the step together.</para>
/// <para>Buckets: stage 0 uses torch DDP's parameter-aligned buckets (<see cref="DdpBucketPlan"/>); ZeRO uses stripes
/// of reduce_bucket_size / allgather_bucket_size elements across the partitions (<see cref="PartitionStripes"/>).</para>
/// </summary>
public sealed class TrainingEngine : IDisposable
{
    private readonly TrainingEngineOptions _options;
    private readonly ProcessGroup _group;
    private readonly Action<Tensor> _runBackward;
    private readonly List<(string Name, Tensor Parameter)> _parameters;
    private readonly FlatBuffer _model;
    private readonly FlatBuffer? _gradients;
    private readonly Tensor _master;
    private readonly Tensor _fp32Gradients;
    private readonly bool _separateMaster;
    private readonly bool _separateFp32Gradients;
    private readonly FlatAdamW _optimizer;
    private readonly DdpBucketPlan? _ddpBuckets;
    private readonly OverlappedGradients? _overlapped;
    private readonly PartitionStripes? _reduceStripes;
    private readonly PartitionStripes? _gatherStripes;
    private readonly ScalarType _modelType;
    private long _appliedSteps;

    /// <param name="model">The model to train: its trainable parameters (already in the precision's dtype), its seam and its backward.</param>
    /// <param name="log">Where the fp16 loss scaler's "OVERFLOW! Skipping step" lines go (rank 0 only).</param>
    public TrainingEngine(ITrainableModel model, TrainingEngineOptions options, ProcessGroup group, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(group);
        options.Validate();
        _options = options;
        _group = group;
        _runBackward = model.Backward;
        _parameters = [.. model.ParameterUnits().SelectMany(u => u.Parameters).Select(p => (p.Name, (Tensor)p.Parameter))];
        _modelType = options.Precision switch
        {
            TrainingPrecision.Bf16 => ScalarType.BFloat16,
            TrainingPrecision.Fp16 => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        // Every rank sees the same overflow flag, so every rank's scaler follows the same sequence; rank 0 logs.
        LossScaler = LossScalers.Create(options.Precision, options.Fp16, group.Rank, log);
        foreach (var (name, parameter) in _parameters.Where(p => p.Parameter.device_type != DeviceType.CPU))
        {
            throw new NotSupportedException(
                $"parameter \"{name}\" is on {parameter.device}: TrainingEngine keeps its flat buffers in CPU memory and does not train CUDA models yet");
        }
        foreach (var (name, parameter) in _parameters.Where(p => p.Parameter.dtype != _modelType))
        {
            throw new ArgumentException($"parameter \"{name}\" is {parameter.dtype} but {options.Precision} training needs {_modelType}: cast the model first");
        }
        // Partition starts aligned to 16 elements (64 bytes of fp32), every parameter too.
        Layout = FlatLayout.Create(_parameters.Select(p => (p.Name, p.Parameter.shape)), partitions: group.WorldSize, alignment: 16);
        OwnedRange = options.ZeroStage == 0 ? Layout.Whole : Layout.Partition(group.Rank);

        _model = new FlatBuffer(Layout, _modelType);
        _model.BindParameters(_parameters);
        _group.Broadcast(_model.Data, root: 0);

        _separateMaster = _modelType != ScalarType.Float32;
        _master = _separateMaster
            ? _model.Slice(OwnedRange).to(ScalarType.Float32).DetachFromDisposeScope()
            : _model.Slice(OwnedRange).DetachFromDisposeScope();

        if (options.ZeroStage < 2)
        {
            _gradients = new FlatBuffer(Layout, _modelType);
            _gradients.BindGradients(_parameters);
        }
        _separateFp32Gradients = options.ZeroStage > 0 || _separateMaster;
        _fp32Gradients = _separateFp32Gradients
            ? zeros(OwnedRange.Length, dtype: ScalarType.Float32).DetachFromDisposeScope()
            : _gradients!.Data.alias().DetachFromDisposeScope();

        _optimizer = new FlatAdamW(Layout, OwnedRange, options.AdamW, options.Decays);
        if (options.ZeroStage == 0)
        {
            var elementSize = _model.Data.ElementSize;
            _ddpBuckets = new DdpBucketPlan(Layout, elementSize, options.DdpFirstBucketCapBytes, options.DdpBucketCapBytes);
            if (options.OverlapComm)
            {
                _overlapped = new OverlappedGradients(_gradients!, _ddpBuckets, group, _parameters, model.Seam);
            }
        }
        else
        {
            _reduceStripes = new PartitionStripes(group, Layout, options.ReduceBucketSize, _modelType, options.OverlapComm);
            _gatherStripes = new PartitionStripes(group, Layout, options.AllgatherBucketSize, _modelType, options.OverlapComm);
        }
    }

    public FlatLayout Layout { get; }

    /// <summary>fp16: DeepSpeed's dynamic (or static) loss scaler; a static scale of 1 otherwise.</summary>
    public ILossScaler LossScaler { get; }

    /// <summary>The flat range whose master weights and optimizer states this rank holds (the whole buffer at stage 0).</summary>
    public PartitionRange OwnedRange { get; }

    public int ZeroStage => _options.ZeroStage;

    /// <summary>Stage 0's DDP buckets (null under ZeRO).</summary>
    public DdpBucketPlan? DdpBuckets => _ddpBuckets;

    /// <summary>With overlap_comm at stage 0: buckets started from gradient hooks during backward so far.</summary>
    internal int BucketsLaunchedFromHooks => _overlapped?.BucketsLaunchedFromHooks ?? 0;

    /// <summary>Micro-steps (Backward calls) since the engine started.</summary>
    public long MicroSteps { get; private set; }

    /// <summary>Optimizer steps applied (skipped ones excluded; the schedule's position).</summary>
    public long AppliedSteps => _appliedSteps;

    /// <summary>True when the next <see cref="Backward"/> ends an accumulation, i.e. is followed by <see cref="Step"/>.</summary>
    public bool IsNextMicroStepBoundary => (MicroSteps + 1) % _options.GradientAccumulationSteps == 0;

    /// <summary>Bytes this rank holds, by kind.</summary>
    public MemoryAccount Memory => new(
        Parameters: _model.Bytes,
        Gradients: (_gradients?.Bytes ?? 0) + (_separateFp32Gradients ? _fp32Gradients.NumberOfElements * sizeof(float) : 0),
        MasterWeights: _separateMaster ? _master.NumberOfElements * sizeof(float) : 0,
        OptimizerStates: _optimizer.StateBytes,
        Buckets: (_reduceStripes?.BucketBytes ?? 0) + (_gatherStripes?.BucketBytes ?? 0),
        TransientGradients: _gradients is null ? Layout.TotalElements * _model.Data.ElementSize : 0);

    /// <summary>Back-propagates one micro-batch's loss (normalised as the class remarks say) and communicates what the stage needs.</summary>
    public void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var boundary = IsNextMicroStepBoundary;
        using var scope = NewDisposeScope();
        if (LossScaler.LossScale != 1.0)
        {
            loss = loss * LossScaler.LossScale;
        }
        if (_options.ZeroStage == 0)
        {
            if (_overlapped is not null)
            {
                _overlapped.Backward(loss, _runBackward, communicate: boundary);
            }
            else
            {
                _runBackward(loss);
                if (boundary)
                {
                    AllReduceBuckets();
                }
            }
        }
        else if (_options.ZeroStage == 1)
        {
            _runBackward(loss);
            if (boundary)
            {
                _reduceStripes!.ReduceScatterAdd(_gradients!.Data, _fp32Gradients);
            }
        }
        else
        {
            BackwardAndReduceScatter(loss);
        }
        MicroSteps++;
    }

    /// <summary>The optimizer step at an accumulation boundary: unscale, overflow check and clipping across ranks, AdamW on the owned range, all-gather.</summary>
    public StepResult Step()
    {
        if (MicroSteps == 0 || MicroSteps % _options.GradientAccumulationSteps != 0)
        {
            throw new InvalidOperationException(
                $"Step() called after micro-step {MicroSteps}, which does not end an accumulation of {_options.GradientAccumulationSteps}");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_options.ZeroStage == 0 && _separateFp32Gradients)
        {
            _fp32Gradients.copy_(_gradients!.Data);
        }
        var lossScale = LossScaler.LossScale;
        if (lossScale != 1.0)
        {
            _fp32Gradients.div_(lossScale);
        }
        // No separate isfinite() pass (it cost more than the whole AdamW update in bench train's profile): an inf or
        // NaN gradient makes the float64 sum of squares inf or NaN, and no finite fp32 value overflows it.
        var squaredNorm = _fp32Gradients.to(ScalarType.Float64).square().sum().item<double>();
        if (!double.IsFinite(squaredNorm))
        {
            squaredNorm = double.PositiveInfinity;
        }
        if (_options.ZeroStage > 0)
        {
            // Every rank holds a different partition: sum the squares so all ranks see one norm and skip or clip together.
            var total = tensor(new[] { (float)squaredNorm });
            _group.AllReduce(total, ReduceOp.Sum);
            squaredNorm = total.item<float>();
        }
        var norm = Math.Sqrt(squaredNorm);
        var learningRate = _options.Schedule.LearningRate(_appliedSteps);
        var overflow = !double.IsFinite(norm);
        LossScaler.UpdateScale(overflow);
        if (!overflow)
        {
            if (_options.GradientClipping > 0)
            {
                // torch.nn.utils.clip_grad_norm_: max_norm / (norm + 1e-6), applied only when below 1.
                var coefficient = _options.GradientClipping / (norm + 1e-6);
                if (coefficient < 1)
                {
                    _fp32Gradients.mul_(coefficient);
                }
            }
            _optimizer.Step(_master, _fp32Gradients, learningRate);
            _appliedSteps++;
            PublishMaster();
        }
        ZeroGradients();
        return new StepResult(overflow, norm, learningRate, lossScale);
    }

    /// <summary>This rank's shard of the state (copies), for a checkpoint.</summary>
    public EngineState CaptureState()
    {
        var record = new EngineStateRecord(_options.ZeroStage, _group.WorldSize, _group.Rank, _options.Precision.ToString(),
            Layout.TotalElements, OwnedRange.Start, OwnedRange.Length, _optimizer.StepCount, _appliedSteps, MicroSteps, LossScaler.State);
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal)
        {
            ["master"] = _master.clone().DetachFromDisposeScope(),
            ["exp_avg"] = _optimizer.ExpAvg.clone().DetachFromDisposeScope(),
            ["exp_avg_sq"] = _optimizer.ExpAvgSq.clone().DetachFromDisposeScope(),
        };
        return new EngineState(record, tensors);
    }

    /// <summary>Restores a state captured by an engine of the same stage, world size, rank and layout; collective (all ranks call it).</summary>
    public void RestoreState(EngineState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        var r = state.Record;
        if (r.ZeroStage != _options.ZeroStage || r.WorldSize != _group.WorldSize || r.Rank != _group.Rank)
        {
            throw new InvalidOperationException(
                $"engine state of rank {r.Rank} of {r.WorldSize} at ZeRO stage {r.ZeroStage} cannot be restored into rank " +
                $"{_group.Rank} of {_group.WorldSize} at stage {_options.ZeroStage}: re-partitioning to another world size or stage is not supported");
        }
        if (r.TotalElements != Layout.TotalElements || r.RangeStart != OwnedRange.Start || r.RangeLength != OwnedRange.Length
            || r.Precision != _options.Precision.ToString())
        {
            throw new InvalidOperationException(
                $"engine state covers [{r.RangeStart}, +{r.RangeLength}) of {r.TotalElements} elements in {r.Precision}, " +
                $"but this engine owns [{OwnedRange.Start}, +{OwnedRange.Length}) of {Layout.TotalElements} in {_options.Precision}: a different model");
        }
        using var noGrad = no_grad();
        _master.copy_(Required(state, "master"));
        _optimizer.LoadState(r.OptimizerSteps, Required(state, "exp_avg"), Required(state, "exp_avg_sq"));
        LossScaler.Restore(r.LossScaler);
        _appliedSteps = r.AppliedSteps;
        MicroSteps = r.MicroSteps;
        PublishMaster();
        ZeroGradients();
    }

    /// <summary>
    /// The fp32 weights of the whole model by parameter name (all-gathered from the ranks' master partitions under
    /// ZeRO); collective: every rank must call it. The caller disposes the tensors.
    /// </summary>
    public IReadOnlyDictionary<string, Tensor> ConsolidatedWeights()
    {
        using var noGrad = no_grad();
        Tensor full;
        if (_options.ZeroStage == 0)
        {
            full = _master.alias();
        }
        else
        {
            full = zeros(Layout.TotalElements, dtype: ScalarType.Float32);
            using var own = full.narrow(0, OwnedRange.Start, OwnedRange.Length);
            own.copy_(_master);
            _group.AllGather(own, full);
        }
        using (full)
        {
            return Layout.Segments.ToDictionary(
                s => s.Name,
                s =>
                {
                    using var view = full.narrow(0, s.Offset, s.Count);
                    return view.view(s.ShapeArray()).clone().DetachFromDisposeScope();
                },
                StringComparer.Ordinal);
        }
    }

    public void Dispose()
    {
        _overlapped?.Dispose();
        _reduceStripes?.Dispose();
        _gatherStripes?.Dispose();
        _optimizer.Dispose();
        _fp32Gradients.Dispose();
        _master.Dispose();
        _gradients?.Dispose();
        _model.Dispose();
    }

    private static Tensor Required(EngineState state, string name) =>
        state.Tensors.TryGetValue(name, out var value)
            ? value
            : throw new InvalidOperationException($"engine state has no tensor \"{name}\"");

    private void AllReduceBuckets()
    {
        using var scope = NewDisposeScope();
        var works = _ddpBuckets!.Buckets.Select(b => _group.AllReduceAsync(_gradients!.Slice(b), ReduceOp.Avg)).ToList();
        foreach (var work in works)
        {
            work.Wait();
        }
    }

    /// <summary>Stage 2: gradients of this micro-step land in a transient full buffer and leave it reduce-scattered.</summary>
    private void BackwardAndReduceScatter(Tensor loss)
    {
        using var transient = new FlatBuffer(Layout, _modelType);
        transient.BindGradients(_parameters);
        try
        {
            _runBackward(loss);
            _reduceStripes!.ReduceScatterAdd(transient.Data, _fp32Gradients);
        }
        finally
        {
            foreach (var (_, parameter) in _parameters)
            {
                parameter.grad = null;
            }
        }
    }

    /// <summary>Master weights into the model: the owned range (rounded to the model dtype), then the other ranks' partitions.</summary>
    private void PublishMaster()
    {
        using var noGrad = no_grad();
        if (_separateMaster)
        {
            using var owned = _model.Slice(OwnedRange);
            owned.copy_(_master);
        }
        _gatherStripes?.AllGather(_model.Data);
    }

    private void ZeroGradients()
    {
        _gradients?.Zero();
        if (_separateFp32Gradients)
        {
            _fp32Gradients.zero_();
        }
    }
}
