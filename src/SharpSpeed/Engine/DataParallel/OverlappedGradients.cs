using System.Runtime.ExceptionServices;
using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using SharpSpeed.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.DataParallel;

/// <summary>
/// Stage 0 with overlap_comm: gradients arrive through <see cref="GradientReadyHook"/> during backward and are added
/// into the flat gradient buffer; once every use of every parameter of a bucket has delivered its gradient, that
/// bucket's all-reduce starts asynchronously (buckets in plan order on every rank, as collectives must be issued in the
/// same order everywhere), while backward continues with earlier layers. On micro-steps that do not end an
/// accumulation (no_sync) gradients are only accumulated.
/// </summary>
internal sealed class OverlappedGradients : IDisposable
{
    private readonly FlatBuffer _gradients;
    private readonly DdpBucketPlan _plan;
    private readonly ProcessGroup _group;
    private readonly Tensor[] _views;
    private readonly int[] _pendingUses;
    private readonly int[] _missingInBucket;
    private readonly bool[] _segmentDone;
    private readonly ParameterSeam _seam;
    private readonly HookedParameterUse _use;
    private readonly List<(CommWork Work, Tensor Slice)> _inFlight = [];
    private int _nextBucket;
    private bool _communicate;
    private ExceptionDispatchInfo? _error;

    public OverlappedGradients(
        FlatBuffer gradients, DdpBucketPlan plan, ProcessGroup group, IReadOnlyList<(string Name, Tensor Parameter)> parameters, ParameterSeam seam)
    {
        _gradients = gradients;
        _plan = plan;
        _group = group;
        _seam = seam;
        var segments = gradients.Layout.Segments;
        _views = [.. segments.Select(s => gradients.View(s).DetachFromDisposeScope())];
        _pendingUses = new int[segments.Count];
        _segmentDone = new bool[segments.Count];
        _missingInBucket = [.. plan.SegmentCounts];
        _use = new HookedParameterUse(parameters.ToDictionary(
            p => p.Parameter,
            p => new ParameterHookTarget(this, gradients.Layout.IndexOf(p.Name)),
            (IEqualityComparer<Tensor>)ReferenceEqualityComparer.Instance));
        _seam.Install(_use);
    }

    /// <summary>Runs backward of <paramref name="loss"/>; when <paramref name="communicate"/>, all buckets are reduced (averaged) before it returns.</summary>
    public void Backward(Tensor loss, Action<Tensor> runBackward, bool communicate)
    {
        _communicate = communicate;
        try
        {
            runBackward(loss);
            _error?.Throw();
            if (communicate)
            {
                LaunchReadyBuckets(force: true);
                foreach (var (work, _) in _inFlight)
                {
                    work.Wait();
                }
            }
        }
        finally
        {
            foreach (var (_, slice) in _inFlight)
            {
                slice.Dispose();
            }
            _inFlight.Clear();
            _error = null;
            _nextBucket = 0;
            Array.Clear(_pendingUses);
            Array.Clear(_segmentDone);
            Array.Copy(_plan.SegmentCounts.ToArray(), _missingInBucket, _missingInBucket.Length);
        }
    }

    /// <summary>Buckets whose all-reduce a gradient hook started while backward was still running (for tests and logs).</summary>
    public int BucketsLaunchedFromHooks { get; private set; }

    public void UseStarted(int segment) => _pendingUses[segment]++;

    /// <summary>Called inside autograd's backward: must never throw (that aborts the process), so failures are stashed.</summary>
    public void GradientArrived(int segment, Tensor gradient)
    {
        try
        {
            using (no_grad())
            {
                _views[segment].add_(gradient);
            }
            if (--_pendingUses[segment] == 0 && !_segmentDone[segment])
            {
                _segmentDone[segment] = true;
                _missingInBucket[_plan.BucketOf(segment)]--;
                if (_communicate)
                {
                    BucketsLaunchedFromHooks += LaunchReadyBuckets(force: false);
                }
            }
        }
#pragma warning disable CA1031 // An exception escaping a custom backward aborts the process; Backward rethrows it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error ??= ExceptionDispatchInfo.Capture(e);
        }
    }

    public void Dispose()
    {
        _seam.Remove(_use);
        foreach (var view in _views)
        {
            view.Dispose();
        }
    }

    private int LaunchReadyBuckets(bool force)
    {
        var launched = 0;
        while (_nextBucket < _plan.Buckets.Count && (force || _missingInBucket[_nextBucket] == 0))
        {
            var slice = _gradients.Slice(_plan.Buckets[_nextBucket]).DetachFromDisposeScope();
            _inFlight.Add((_group.AllReduceAsync(slice, ReduceOp.Avg), slice));
            _nextBucket++;
            launched++;
        }
        return launched;
    }
}
