using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Engine.Gradients;
using SharpSpeed.Engine.Optim;
using SharpSpeed.Engine.Placement;
using SharpSpeed.Engine.Precision;
using SharpSpeed.Engine.Zero;
using SharpSpeed.Models;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace SharpSpeed.Engine;

/// <summary>
/// A DeepSpeed-like engine over one <see cref="ProcessGroup"/>: DDP (stage 0) and ZeRO stages 1-3, fp32 / bf16 / fp16,
/// optimizer and parameter offload, on the device of the model's parameters. docs/architecture.md ("The engine")
/// describes the design; this class wires its parts: the flat <see cref="FlatLayout"/> of blocks, the model's seam
/// (a plain <see cref="ParameterUse"/> when nothing is communicated during backward, <see cref="HookedParameterUse"/>, or at
/// stage 3 <see cref="GatheredParameterUse"/>), <see cref="GradientHooks"/>
/// and <see cref="GradientReducer"/> for gradients, <see cref="UnitGatherer"/> for ZeRO-3 parameters, an
/// <see cref="IFlatOptimizer"/> over the owned range, and the <see cref="MemoryLedger"/>. The trainer calls
/// <see cref="Backward"/> once per micro-batch and <see cref="Step"/> once per accumulation boundary. Checkpoint state and
/// consolidated weights are in TrainingEngine.State.cs.
/// <para>Gradient semantics (DeepSpeed's): gradients are AVERAGED over ranks. To train on the mean token loss of the
/// global batch, pass loss = (sum of token losses of this micro-batch) * WorldSize / (label tokens of the whole global
/// batch); then the averaged, accumulated gradient equals the full-batch gradient.</para>
/// </summary>
public sealed partial class TrainingEngine : IDisposable
{
    private readonly TrainingEngineOptions _options;
    private readonly ProcessGroup _group;
    private readonly ITrainableModel _model;
    private readonly ScalarType _modelType;
    private readonly FlatBuffer? _parameters;
    private readonly Tensor? _chunks;
    private readonly FlatBuffer? _gradients;
    private readonly Tensor _master;
    private readonly Tensor _fp32Gradients;
    private readonly bool _masterIsParameters;
    private readonly bool _fp32GradientsAreGradients;
    private readonly bool _chunksAreMaster;
    private readonly IFlatOptimizer _optimizer;
    private readonly GradientReducer _reducer;
    private readonly GradientHooks _hooks;
    private readonly UnitGatherer? _gatherer;
    private readonly ParameterUse _use;
    private readonly List<Parameter> _gradientViews = [];
    private long _appliedSteps;

    /// <param name="model">The model to train: its trainable parameters (already in the precision's dtype, all on one device), its seam and its backward.</param>
    /// <param name="log">Where the fp16 loss scaler's "OVERFLOW! Skipping step" lines go (rank 0 only).</param>
    public TrainingEngine(ITrainableModel model, TrainingEngineOptions options, ProcessGroup group, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(group);
        options.Validate();
        _options = options;
        _group = group;
        _model = model;
        _modelType = options.Precision.ModelType();
        var units = model.ParameterUnits();
        var parameters = units.SelectMany(u => u.Parameters).ToList();
        var device = CheckParameters(parameters, _modelType, options.Precision);
        Placement = new StatePlacement(device, options.OffloadOptimizer, options.OffloadParam);
        // Every rank sees the same overflow flag, so every rank's scaler follows the same sequence; rank 0 logs.
        LossScaler = LossScalers.Create(options.Precision, options.Fp16, group.Rank, log);
        var (layoutUnits, unitOfModelUnit, persistentUnit) = EngineLayout.Units(units, options);
        Layout = FlatLayout.Create(layoutUnits, options.ZeroStage == 0 ? 1 : group.WorldSize, alignment: 16,
            EngineLayout.BlockElements(options, _modelType));
        var stage = options.ZeroStage;
        var optimizerOffloaded = Placement.OptimizerOffloaded;

        if (stage < 3)
        {
            _parameters = new FlatBuffer(Layout, _modelType, device);
            Ledger.Allocate(MemoryKind.Parameters, _parameters.Data);
            _parameters.BindParameters(parameters.Select(p => (p.Name, (Tensor)p.Parameter)));
            _group.Broadcast(_parameters.Data, root: 0);
            _masterIsParameters = stage == 0 && _modelType == ScalarType.Float32 && !optimizerOffloaded;
            if (_masterIsParameters)
            {
                _master = _parameters.Data.alias().DetachFromDisposeScope();
            }
            else
            {
                _master = Ledger.Allocate(MemoryKind.Master, Placement.OptimizerZeros(OwnedElements, ScalarType.Float32), optimizerOffloaded);
                CollectOwn(_parameters.Data, _master);
            }
        }
        else
        {
            var chunks = Placement.ParameterChunkZeros(Layout.PartitionSize, _modelType);
            Zero3Partitioner.Partition(Layout, group, parameters, chunks);
            _chunksAreMaster = _modelType == ScalarType.Float32 && Placement.ParametersOffloaded == Placement.OptimizerOffloaded;
            _master = _chunksAreMaster ? chunks : Placement.OptimizerZeros(Layout.PartitionSize, ScalarType.Float32);
            if (!_chunksAreMaster)
            {
                using var noGrad = no_grad();
                _master.copy_(chunks);
                Ledger.Allocate(MemoryKind.Master, _master, optimizerOffloaded);
            }
            _chunks = Ledger.Allocate(MemoryKind.Parameters, chunks, Placement.ParametersOffloaded);
        }

        if (stage < 2)
        {
            _gradients = new FlatBuffer(Layout, _modelType, device);
            Ledger.Allocate(MemoryKind.Gradients, _gradients.Data);
        }
        _fp32GradientsAreGradients = stage == 0 && _modelType == ScalarType.Float32 && !optimizerOffloaded;
        _fp32Gradients = _fp32GradientsAreGradients
            ? _gradients!.Data.alias().DetachFromDisposeScope()
            : Ledger.Allocate(MemoryKind.Gradients, Placement.OptimizerZeros(OwnedElements, ScalarType.Float32), optimizerOffloaded);

        var range = stage == 0 ? OptimizerRange.Whole(Layout, options.Decays) : OptimizerRange.Partition(Layout, group.Rank, options.Decays);
        _optimizer = optimizerOffloaded ? new CpuAdamW(range, options.AdamW) : new FlatAdamW(range, options.AdamW, device);
        Ledger.Allocate(MemoryKind.Optimizer, _optimizer.ExpAvg, optimizerOffloaded);
        Ledger.Allocate(MemoryKind.Optimizer, _optimizer.ExpAvgSq, optimizerOffloaded);

        _reducer = new GradientReducer(
            new ReducerSettings(stage, _modelType, device, options.OverlapComm, options.ReduceScatter, options.PrescaleGradients, options.GradientPredivideFactor),
            Layout, group, stage < 2 ? _gradients : null, stage > 0 ? _fp32Gradients : null, Ledger);
        _hooks = new GradientHooks(Layout, _reducer);
        var segmentOf = parameters.ToDictionary(p => (Tensor)p.Parameter, p => Layout.IndexOf(p.Name), (IEqualityComparer<Tensor>)ReferenceEqualityComparer.Instance);
        if (stage == 0 && (group.WorldSize == 1 || !options.OverlapComm))
        {
            // Nothing to communicate during backward (one rank, or no overlap), so no hooks: each .grad is a view of the
            // flat gradient buffer (torch DDP's gradient_as_bucket_view) and autograd accumulates into it in place;
            // EndBackward then reduces every block. Tiny model, 1 rank: backward 26.5 -> 23 ms.
            _use = new ParameterUse();
            foreach (var (name, parameter) in parameters)
            {
                using var view = _gradients!.View(name);
                parameter.grad = view;
                _gradientViews.Add(parameter);
            }
        }
        else if (stage < 3)
        {
            _use = new HookedParameterUse(segmentOf.ToDictionary(p => p.Key, p => new HookTarget(_hooks, p.Value), segmentOf.Comparer));
        }
        else
        {
            _gatherer = new UnitGatherer(Layout, group, _chunks!, options.Stage3, options.AllgatherPartitions, device, Ledger, persistentUnit);
            _hooks.SegmentCompleted = _gatherer.SegmentGradientsDone;
            _use = new GatheredParameterUse(_gatherer, _hooks, segmentOf, unitOfModelUnit);
        }
        model.Seam.Install(_use);
        Ledger.ResetPeaks();
    }

    public FlatLayout Layout { get; }

    /// <summary>Where each kind of state lives (device, or host memory with offload).</summary>
    public StatePlacement Placement { get; }

    /// <summary>Bytes of every buffer the engine holds, with high-water marks.</summary>
    public MemoryLedger Ledger { get; } = new();

    /// <summary>Device-to-host reads the engine made (one per optimizer step: the gradient norm).</summary>
    public DeviceSyncs Syncs { get; } = new();

    /// <summary>fp16: DeepSpeed's dynamic (or static) loss scaler; a static scale of 1 otherwise.</summary>
    public ILossScaler LossScaler { get; }

    public int ZeroStage => _options.ZeroStage;

    /// <summary>ZeRO-3: the model's trained parameters hold no values; <see cref="ConsolidatedWeights"/> has them.</summary>
    public bool PartitionsParameters => _options.ZeroStage == 3;

    /// <summary>stage3_gather_16bit_weights_on_model_save, or any stage below 3 (where the model holds its weights).</summary>
    public bool SavesConsolidatedWeights => _options.ZeroStage < 3 || _options.Stage3.GatherWeightsOnModelSave;

    /// <summary>Elements of master weights, moments and fp32 gradients this rank holds: the whole buffer at stage 0, its partition otherwise.</summary>
    public long OwnedElements => _options.ZeroStage == 0 ? Layout.TotalElements : Layout.PartitionSize;

    /// <summary>The optimizer over the owned range: <see cref="FlatAdamW"/> on the device, <see cref="CpuAdamW"/> when offloaded.</summary>
    public IFlatOptimizer Optimizer => _optimizer;

    /// <summary>The tensors of this rank's state by name (for tests of placement): master, exp_avg, exp_avg_sq, fp32_gradients, and parameter_chunks at stage 3.</summary>
    public IReadOnlyDictionary<string, Tensor> StateTensors => new Dictionary<string, Tensor>(StringComparer.Ordinal)
    {
        ["master"] = _master,
        ["exp_avg"] = _optimizer.ExpAvg,
        ["exp_avg_sq"] = _optimizer.ExpAvgSq,
        ["fp32_gradients"] = _fp32Gradients,
        ["parameters"] = _chunks ?? _parameters!.Data,
    };

    /// <summary>Blocks whose gradient collective started while backward was still running (overlap evidence).</summary>
    public int BlocksLaunchedDuringBackward => _hooks.BlocksLaunchedDuringBackward;

    /// <summary>Time the training thread waited for gradient collectives (communication backward did not hide).</summary>
    public TimeSpan ExposedCommunication => _reducer.ExposedWait;

    /// <summary>ZeRO-3: unit all-gathers so far and how many were prefetched; null below stage 3.</summary>
    public (int Gathers, int Prefetches)? Gathering => _gatherer is null ? null : (_gatherer.Gathers, _gatherer.Prefetches);

    public long MicroSteps { get; private set; }

    /// <summary>Optimizer steps applied (skipped ones excluded; the schedule's position).</summary>
    public long AppliedSteps => _appliedSteps;

    /// <summary>True when the next <see cref="Backward"/> ends an accumulation, i.e. is followed by <see cref="Step"/>.</summary>
    public bool IsNextMicroStepBoundary => (MicroSteps + 1) % _options.GradientAccumulationSteps == 0;

    /// <summary>Bytes this rank's engine held, by kind, at their high-water marks.</summary>
    public MemoryAccount Memory => Ledger.Snapshot();

    /// <summary>Back-propagates one micro-batch's loss (normalised as the class remarks say); gradients are reduced as the stage says, while backward runs where hooks are installed.</summary>
    public void Backward(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        using var scope = NewDisposeScope();
        if (LossScaler.LossScale != 1.0)
        {
            using var lossScale = LossScaler.LossScale.ToScalar();
            loss = loss.mul(lossScale);
        }
        _hooks.BeginBackward(communicate: _options.ZeroStage >= 2 || IsNextMicroStepBoundary);
        try
        {
            _gatherer?.InBackward = true;
            _model.Backward(loss);
        }
        finally
        {
            _gatherer?.InBackward = false;
            try
            {
                _hooks.EndBackward();
            }
            finally
            {
                _gatherer?.EndBackward();
            }
        }
        MicroSteps++;
    }

    /// <summary>The optimizer step at an accumulation boundary: unscale, overflow check and clipping across ranks, AdamW on the owned range, parameters published.</summary>
    public StepResult Step()
    {
        if (MicroSteps == 0 || MicroSteps % _options.GradientAccumulationSteps != 0)
        {
            throw new InvalidOperationException(
                $"Step() called after micro-step {MicroSteps}, which does not end an accumulation of {_options.GradientAccumulationSteps}");
        }
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        if (_options.ZeroStage == 0 && !_fp32GradientsAreGradients)
        {
            _fp32Gradients.copy_(_gradients!.Data);
        }
        var lossScale = LossScaler.LossScale;
        if (lossScale != 1.0)
        {
            using var divisor = lossScale.ToScalar();
            _fp32Gradients.div_(divisor);
        }
        // One number carries both the overflow flag and the norm: an inf or NaN gradient makes the sum of squares
        // non-finite. Partitions sum their squares across ranks first; it is the step's only device-to-host read.
        var squared = GradientNorm.SumOfSquares(_fp32Gradients);
        if (_options.ZeroStage > 0)
        {
            _group.AllReduce(squared, ReduceOp.Sum);
        }
        var norm = Math.Sqrt(Syncs.Read<float>(squared));
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
                    using var clip = coefficient.ToScalar();
                    _fp32Gradients.mul_(clip);
                }
            }
            _optimizer.Update(_master, _fp32Gradients, learningRate);
            _appliedSteps++;
            PublishMaster();
        }
        ZeroGradients();
        return new StepResult(overflow, norm, learningRate, lossScale);
    }

    public void Dispose()
    {
        _model.Seam.Remove(_use);
        foreach (var parameter in _gradientViews.Where(p => !p.IsInvalid))
        {
            parameter.grad = null;
        }
        _gatherer?.Dispose();
        _reducer.Dispose();
        _optimizer.Dispose();
        _fp32Gradients.Dispose();
        _master.Dispose();
        if (!_chunksAreMaster)
        {
            _chunks?.Dispose();
        }
        _gradients?.Dispose();
        _parameters?.Dispose();
    }

    private static Device CheckParameters(List<(string Name, Parameter Parameter)> parameters, ScalarType modelType, TrainingPrecision precision)
    {
        foreach (var (name, parameter) in parameters.Where(p => p.Parameter.dtype != modelType))
        {
            throw new ArgumentException($"parameter \"{name}\" is {parameter.dtype} but {precision} training needs {modelType}: cast the model first");
        }
        var device = parameters.Count > 0 ? parameters[0].Parameter.device : CPU;
        foreach (var (name, parameter) in parameters.Where(p => p.Parameter.device_type != device.type || p.Parameter.device_index != device.index))
        {
            throw new ArgumentException($"parameter \"{name}\" is on {parameter.device} but \"{parameters[0].Name}\" is on {device}: move the whole model to one device");
        }
        return device;
    }

    /// <summary>This rank's owned values of the full flat <paramref name="flat"/> into <paramref name="owned"/> (the whole at stage 0).</summary>
    private void CollectOwn(Tensor flat, Tensor owned)
    {
        using var noGrad = no_grad();
        if (_options.ZeroStage == 0)
        {
            owned.copy_(flat);
            return;
        }
        foreach (var chunk in Layout.OwnedChunks(_group.Rank))
        {
            using var target = owned.narrow(0, chunk.PartitionOffset, chunk.Flat.Length);
            using var source = flat.narrow(0, chunk.Flat.Start, chunk.Flat.Length);
            target.copy_(source);
        }
    }

    /// <summary>Master weights into the model's parameters: rounded to the model dtype, then completed from the other ranks (stages 1-2) or left as chunks (stage 3).</summary>
    private void PublishMaster()
    {
        using var noGrad = no_grad();
        switch (_options.ZeroStage)
        {
            case 0:
                if (!_masterIsParameters)
                {
                    _parameters!.Data.copy_(_master);
                }
                break;
            case 1 or 2:
                PartitionExchange.PlaceOwnChunks(Layout, _group.Rank, _master, _parameters!.Data);
                PartitionExchange.GatherBlocks(Layout, _group, _parameters.Data, _options.AllgatherPartitions);
                break;
            default:
                if (!_chunksAreMaster)
                {
                    _chunks!.copy_(_master);
                }
                _gatherer!.Invalidate();
                break;
        }
    }

    private void ZeroGradients()
    {
        _gradients?.Zero();
        if (!_fp32GradientsAreGradients)
        {
            _fp32Gradients.zero_();
        }
    }
}
