using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Zero;

/// <summary>
/// ZeRO-3's parameter fetching. Each rank holds only its chunks of the parameters (<c>chunks</c>, one partition). A
/// unit's parameters are all-gathered into one buffer of the unit's length (one collective per block, in place) when
/// the unit is first used, and released: in forward, when the scope that fetched it ends (unless the recorded trace
/// uses it again within stage3_max_reuse_distance elements); in backward, once all of its gradients have arrived
/// (<see cref="SegmentGradientsDone"/>). The first micro-step records the order units are gathered in (DeepSpeed's
/// trace); later ones prefetch the units that follow in that order, asynchronously, up to
/// stage3_prefetch_bucket_size elements ahead and never above stage3_max_live_parameters gathered. The persistent
/// unit (parameters below stage3_param_persistence_threshold) is gathered once per optimizer step and kept.
/// All collectives are issued from the training thread, in an order that depends only on the model and the trace,
/// hence the same on every rank.
/// </summary>
internal sealed class UnitGatherer : IDisposable
{
    private readonly FlatLayout _layout;
    private readonly ProcessGroup _group;
    private readonly Tensor _chunks;
    private readonly Stage3Options _options;
    private readonly bool _allgatherPartitions;
    private readonly ScalarType _modelType;
    private readonly Device _device;
    private readonly MemoryLedger _ledger;
    private readonly int? _persistentUnit;
    private readonly Gathered?[] _units;
    private readonly int[] _pendingSegments;
    private readonly Stack<List<int>> _scopes = new();
    private List<int>? _recording = [];
    private List<int> _trace = [];
    private int _cursor;
    private int? _lastFetched;
    private long _live;

    /// <param name="chunks">This rank's parameter chunks (model dtype, partition order; on the host with offload_param).</param>
    /// <param name="persistentUnit">The layout unit of the persistent parameters, if there are any.</param>
    public UnitGatherer(FlatLayout layout, ProcessGroup group, Tensor chunks, Stage3Options options, bool allgatherPartitions,
        Device device, MemoryLedger ledger, int? persistentUnit)
    {
        _layout = layout;
        _group = group;
        _chunks = chunks;
        _options = options;
        _allgatherPartitions = allgatherPartitions;
        _modelType = chunks.dtype;
        _device = device;
        _ledger = ledger;
        _persistentUnit = persistentUnit;
        _units = new Gathered?[layout.Units.Count];
        _pendingSegments = [.. layout.Units.Select(u => u.Segments.Count)];
    }

    /// <summary>True while autograd's backward runs (nothing is released when a scope ends then).</summary>
    public bool InBackward { get; set; }

    /// <summary>All-gathers so far (demanded and prefetched), and how many of them were prefetches.</summary>
    public int Gathers { get; private set; }

    public int Prefetches { get; private set; }

    /// <summary>Elements of parameters gathered right now.</summary>
    public long LiveElements => _live;

    /// <summary>A model unit's forward begins: what it fetches is released when the returned scope ends.</summary>
    public IDisposable Enter(int? layoutUnit)
    {
        _scopes.Push([]);
        if (layoutUnit is { } unit)
        {
            Fetch(unit);
        }
        return new Scope(this);
    }

    /// <summary>The gathered value of parameter <paramref name="segment"/> (gathering its unit first when needed).</summary>
    public Tensor Weight(int segment)
    {
        var gathered = Fetch(_layout.Segments[segment].Unit);
        return gathered.Views[Array.IndexOf(gathered.SegmentIndices, segment)];
    }

    /// <summary>All gradients of parameter <paramref name="segment"/> have arrived in this backward pass.</summary>
    public void SegmentGradientsDone(int segment)
    {
        var unit = _layout.Segments[segment].Unit;
        if (--_pendingSegments[unit] == 0 && InBackward && unit != _persistentUnit)
        {
            Release(unit);
        }
    }

    /// <summary>After backward: what is still gathered (but the persistent unit) goes; the first micro-step's trace is kept.</summary>
    public void EndBackward()
    {
        for (var unit = 0; unit < _units.Length; unit++)
        {
            if (unit != _persistentUnit)
            {
                Release(unit);
            }
        }
        Array.Copy(_layout.Units.Select(u => u.Segments.Count).ToArray(), _pendingSegments, _pendingSegments.Length);
        if (_recording is not null)
        {
            _trace = _recording;
            _recording = null;
        }
        _cursor = 0;
        _lastFetched = null;
    }

    /// <summary>After an optimizer step every gathered value is stale: release all, the persistent unit too.</summary>
    public void Invalidate()
    {
        for (var unit = 0; unit < _units.Length; unit++)
        {
            Release(unit);
        }
    }

    public void Dispose() => Invalidate();

    private Gathered Fetch(int unit)
    {
        var gathered = _units[unit] ?? Start(unit);
        gathered.Wait();
        if (_scopes.TryPeek(out var scope) && !scope.Contains(unit))
        {
            scope.Add(unit);
        }
        // The trace is the sequence of switches between (non-persistent) units, recorded in the first micro-step and
        // replayed after it: each op's repeated use of its unit's weights does not move along it.
        if (unit != _persistentUnit && unit != _lastFetched)
        {
            _lastFetched = unit;
            _recording?.Add(unit);
            Prefetch(unit);
        }
        return gathered;
    }

    private void Prefetch(int unit)
    {
        if (_trace.Count == 0 || _options.PrefetchBucketSize == 0)
        {
            return;
        }
        var position = Find(unit, _cursor) ?? Find(unit, 0);
        if (position is null)
        {
            return;
        }
        _cursor = position.Value + 1;
        long ahead = 0;
        for (var i = _cursor; i < _trace.Count; i++)
        {
            // As DeepSpeed: keep prefetching while less than the bucket size is in flight (so at least one unit is).
            if (ahead >= _options.PrefetchBucketSize)
            {
                break;
            }
            var next = _trace[i];
            var length = _layout.Units[next].Length;
            ahead += length;
            if (_units[next] is null)
            {
                if (_live + length > _options.MaxLiveParameters)
                {
                    break;
                }
                Start(next);
                Prefetches++;
            }
        }
    }

    private int? Find(int unit, int from)
    {
        for (var i = from; i < _trace.Count; i++)
        {
            if (_trace[i] == unit)
            {
                return i;
            }
        }
        return null;
    }

    /// <summary>Starts the all-gather of every block of <paramref name="unit"/> into a new buffer.</summary>
    private Gathered Start(int unit)
    {
        var spec = _layout.Units[unit];
        using var noGrad = no_grad();
        var buffer = _ledger.Allocate(MemoryKind.GatheredParameters,
            empty(spec.Length, dtype: _modelType, device: _device).DetachFromDisposeScope());
        var works = new List<CommWork>();
        for (var b = spec.FirstBlock; b < spec.FirstBlock + spec.BlockCount; b++)
        {
            var block = _layout.Blocks[b];
            using var region = buffer.narrow(0, block.Offset - spec.Offset, block.Length);
            using var own = region.narrow(0, _group.Rank * block.ChunkLength, block.ChunkLength);
            using (var source = _chunks.narrow(0, block.PartitionOffset, block.ChunkLength))
            {
                own.copy_(source);
            }
            if (_allgatherPartitions)
            {
                works.Add(_group.AllGatherAsync(own, region));
            }
            else
            {
                for (var owner = 0; owner < _group.WorldSize; owner++)
                {
                    using var chunk = region.narrow(0, owner * block.ChunkLength, block.ChunkLength);
                    works.Add(_group.BroadcastAsync(chunk, owner));
                }
            }
        }
        var indices = spec.Segments.ToArray();
        var views = indices.Select(i =>
        {
            var segment = _layout.Segments[i];
            return buffer.narrow(0, segment.Offset - spec.Offset, segment.Count).view(segment.ShapeArray()).DetachFromDisposeScope();
        }).ToArray();
        var gathered = new Gathered(buffer, views, indices, works);
        _units[unit] = gathered;
        _live += spec.Length;
        Gathers++;
        return gathered;
    }

    private void ExitScope()
    {
        var fetched = _scopes.Pop();
        if (InBackward)
        {
            return;
        }
        foreach (var unit in fetched)
        {
            if (unit != _persistentUnit && !ReusedSoon(unit))
            {
                Release(unit);
            }
        }
    }

    /// <summary>stage3_max_reuse_distance: the trace fetches <paramref name="unit"/> again within that many elements.</summary>
    private bool ReusedSoon(int unit)
    {
        long distance = 0;
        for (var i = _cursor; i < _trace.Count; i++)
        {
            if (_trace[i] == unit)
            {
                return true;
            }
            distance += _layout.Units[_trace[i]].Length;
            if (distance > _options.MaxReuseDistance)
            {
                return false;
            }
        }
        return false;
    }

    private void Release(int unit)
    {
        if (_units[unit] is not { } gathered)
        {
            return;
        }
        gathered.Wait();
        foreach (var view in gathered.Views)
        {
            view.Dispose();
        }
        _ledger.Free(MemoryKind.GatheredParameters, gathered.Buffer);
        gathered.Buffer.Dispose();
        _units[unit] = null;
        _live -= _layout.Units[unit].Length;
    }

    private sealed class Gathered(Tensor buffer, Tensor[] views, int[] segmentIndices, List<CommWork> works)
    {
        public Tensor Buffer { get; } = buffer;

        public Tensor[] Views { get; } = views;

        public int[] SegmentIndices { get; } = segmentIndices;

        public void Wait()
        {
            foreach (var work in works)
            {
                work.Wait();
            }
            works.Clear();
        }
    }

    private sealed class Scope(UnitGatherer owner) : IDisposable
    {
        public void Dispose() => owner.ExitScope();
    }
}
