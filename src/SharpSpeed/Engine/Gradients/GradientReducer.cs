using System.Diagnostics;
using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Gradients;

/// <summary>
/// What happens to gradients, by ZeRO stage (docs/architecture.md has the table). Stages 0 and 1 accumulate every
/// gradient into the full model-dtype buffer and, on the boundary micro-step, all-reduce (stage 0) or reduce-scatter
/// (stage 1) each complete block in place. Stages 2 and 3 keep no full buffer: a block's gradients are summed in a
/// bucket opened by its first gradient, reduce-scattered as soon as the block is complete, and the bucket is freed once
/// this rank's chunk has been added into the fp32 partition. With overlap_comm a block's collective runs asynchronously
/// while backward goes on; without it the hook waits for it. reduce_scatter false all-reduces instead; prescale and
/// gradient_predivide_factor scale before and after the sum as DeepSpeed's allreduce_bucket does.
/// </summary>
internal sealed class GradientReducer : IDisposable
{
    private readonly ReducerSettings _settings;
    private readonly FlatLayout _layout;
    private readonly ProcessGroup _group;
    private readonly FlatBuffer? _full;
    private readonly Tensor? _fp32Partition;
    private readonly MemoryLedger _ledger;
    private readonly Tensor?[] _buckets;
    private readonly Queue<(CommWork Work, FlatBlock Block, Tensor Data)> _inFlight = new();
    private readonly Stopwatch _waiting = new();

    /// <param name="full">The full gradient buffer (stages 0 and 1), else null.</param>
    /// <param name="fp32Partition">This rank's fp32 gradient partition (stages 1-3; on the host when the optimizer is offloaded), else null.</param>
    public GradientReducer(ReducerSettings settings, FlatLayout layout, ProcessGroup group, FlatBuffer? full, Tensor? fp32Partition, MemoryLedger ledger)
    {
        _settings = settings;
        _layout = layout;
        _group = group;
        _full = full;
        _fp32Partition = fp32Partition;
        _ledger = ledger;
        _buckets = new Tensor?[layout.Blocks.Count];
    }

    /// <summary>Time the training thread spent blocked on gradient collectives (communication not hidden by backward).</summary>
    public TimeSpan ExposedWait => _waiting.Elapsed;

    /// <summary>Adds the gradient of one use of <paramref name="segment"/> where this stage keeps gradients.</summary>
    public void Accumulate(FlatSegment segment, Tensor gradient)
    {
        using var noGrad = no_grad();
        if (gradient.numel() != segment.Count)
        {
            throw new InvalidOperationException(
                $"the gradient of \"{segment.Name}\" has shape [{string.Join(", ", gradient.shape)}] but the parameter has [{string.Join(", ", segment.Shape)}]");
        }
        if (_full is not null)
        {
            using var view = _full.View(segment);
            view.add_(gradient, HeldScalars.One);
            return;
        }
        using var flat = gradient.reshape(-1);
        foreach (var block in _layout.BlocksOf(segment))
        {
            var overlap = block.Range.Intersect(segment.Range);
            using var target = Bucket(block).narrow(0, overlap.Start - block.Offset, overlap.Length);
            using var source = flat.narrow(0, overlap.Start - segment.Offset, overlap.Length);
            target.add_(source, HeldScalars.One);
        }
    }

    /// <summary>Starts the collective of a complete block (in plan order; every rank calls it for the same blocks).</summary>
    public void Launch(FlatBlock block)
    {
        using var noGrad = no_grad();
        var data = _full is not null ? _full.Slice(block.Range) : Bucket(block).alias();
        var world = _group.WorldSize;
        var predivide = _settings.GradientPredivideFactor;
        ReduceOp op;
        if (_settings.PrescaleGradients)
        {
            using var divisor = world.ToScalar();
            data.div_(divisor);
            op = ReduceOp.Sum;
        }
        else if (predivide != 1.0)
        {
            using var divisor = predivide.ToScalar();
            data.div_(divisor);
            op = ReduceOp.Sum;
        }
        else
        {
            op = ReduceOp.Avg;
        }
        CommWork work;
        if (_settings.Stage == 0 || !_settings.ReduceScatter)
        {
            work = _group.AllReduceAsync(data, op);
        }
        else
        {
            using var own = data.narrow(0, _group.Rank * block.ChunkLength, block.ChunkLength);
            work = _group.ReduceScatterAsync(data, own, op);
        }
        _inFlight.Enqueue((work, block, data));
        if (!_settings.OverlapComm)
        {
            Drain();
        }
    }

    /// <summary>Finishes the collectives that have completed, oldest first, without waiting.</summary>
    public void Poll()
    {
        while (_inFlight.Count > 0 && _inFlight.Peek().Work.IsCompleted)
        {
            Finish(_inFlight.Dequeue());
        }
    }

    /// <summary>Waits for every collective in flight and finishes it.</summary>
    public void Drain()
    {
        while (_inFlight.Count > 0)
        {
            Finish(_inFlight.Dequeue());
        }
    }

    public void Dispose()
    {
        Drain();
        for (var i = 0; i < _buckets.Length; i++)
        {
            FreeBucket(i);
        }
    }

    private void Finish((CommWork Work, FlatBlock Block, Tensor Data) item)
    {
        var (work, block, data) = item;
        _waiting.Start();
        try
        {
            work.Wait();
        }
        finally
        {
            _waiting.Stop();
        }
        using (data)
        using (no_grad())
        {
            if (!_settings.PrescaleGradients && _settings.GradientPredivideFactor != 1.0)
            {
                using var factor = (_settings.GradientPredivideFactor / _group.WorldSize).ToScalar();
                data.mul_(factor);
            }
            if (_fp32Partition is not null)
            {
                using var own = data.narrow(0, _group.Rank * block.ChunkLength, block.ChunkLength);
                using var target = _fp32Partition.narrow(0, block.PartitionOffset, block.ChunkLength);
                target.add_(own.to(target.dtype, target.device), HeldScalars.One);
            }
        }
        FreeBucket(block.Index);
    }

    private Tensor Bucket(FlatBlock block)
    {
        if (_buckets[block.Index] is not { } bucket)
        {
            bucket = zeros(block.Length, dtype: _settings.ModelType, device: _settings.Device).DetachFromDisposeScope();
            _buckets[block.Index] = _ledger.Allocate(MemoryKind.Buckets, bucket);
        }
        return bucket;
    }

    private void FreeBucket(int block)
    {
        if (_buckets[block] is { } bucket)
        {
            _ledger.Free(MemoryKind.Buckets, bucket);
            bucket.Dispose();
            _buckets[block] = null;
        }
    }
}

/// <summary>The settings a <see cref="GradientReducer"/> acts on.</summary>
internal sealed record ReducerSettings(
    int Stage, ScalarType ModelType, Device Device, bool OverlapComm, bool ReduceScatter, bool PrescaleGradients, double GradientPredivideFactor);
