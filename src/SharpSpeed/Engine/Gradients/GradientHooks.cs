using System.Runtime.ExceptionServices;
using SharpSpeed.Engine.Flat;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Gradients;

/// <summary>
/// Knows when gradients are ready. Every use of a trained parameter in a forward pass with grad enabled counts one
/// pending gradient; every gradient that arrives during backward (from a <see cref="GradientReadyHook"/> or a ZeRO-3
/// op) is handed to the <see cref="GradientReducer"/> and counts one off. A parameter whose pending count returns to
/// zero is complete; a block is complete when every parameter overlapping it is. Complete blocks are handed to the
/// reducer in the fixed plan order (reverse layout order: the last layers first, as backward produces them), so every
/// rank starts the same collectives in the same sequence. Parameters that got no gradient are given up for at the end
/// of backward (their blocks go out with zeros there), as DeepSpeed's ignore_unused_parameters does. Without hooks (nothing
/// to overlap) no gradient is reported during backward, so this end-of-backward pass launches every block, carrying
/// what autograd accumulated into the gradient buffer's views.
/// <para>Called inside autograd's backward, where an exception aborts the process (TorchSharp): failures are stashed
/// and rethrown by <see cref="EndBackward"/>.</para>
/// </summary>
internal sealed class GradientHooks
{
    private readonly FlatLayout _layout;
    private readonly GradientReducer _reducer;
    private readonly int[][] _blocksOfSegment;
    private readonly int[] _segmentsPerBlock;
    private readonly int[] _pendingUses;
    private readonly bool[] _segmentDone;
    private readonly int[] _missingInBlock;
    private int _nextInPlan;
    private bool _communicate;
    private ExceptionDispatchInfo? _error;

    public GradientHooks(FlatLayout layout, GradientReducer reducer)
    {
        _layout = layout;
        _reducer = reducer;
        _blocksOfSegment = [.. layout.Segments.Select(s => layout.BlocksOf(s).Select(b => b.Index).ToArray())];
        _segmentsPerBlock = new int[layout.Blocks.Count];
        foreach (var blocks in _blocksOfSegment)
        {
            foreach (var block in blocks)
            {
                _segmentsPerBlock[block]++;
            }
        }
        _pendingUses = new int[layout.Segments.Count];
        _segmentDone = new bool[layout.Segments.Count];
        _missingInBlock = (int[])_segmentsPerBlock.Clone();
    }

    /// <summary>Told whenever a parameter's gradients are all in (ZeRO-3 releases gathered units from here).</summary>
    public Action<int>? SegmentCompleted { get; set; }

    /// <summary>Blocks whose collective a gradient started while backward was still running (for tests and logs).</summary>
    public int BlocksLaunchedDuringBackward { get; private set; }

    /// <param name="communicate">False on micro-steps that only accumulate (no_sync at stages 0 and 1).</param>
    public void BeginBackward(bool communicate) => _communicate = communicate;

    public void UseStarted(int segment) => _pendingUses[segment]++;

    /// <summary>The gradient of one use of parameter <paramref name="segment"/>. Never throws.</summary>
    public void GradientArrived(int segment, Tensor gradient)
    {
        try
        {
            _reducer.Accumulate(_layout.Segments[segment], gradient);
            if (_pendingUses[segment] > 0 && --_pendingUses[segment] == 0 && !_segmentDone[segment])
            {
                Complete(segment);
                if (_communicate)
                {
                    BlocksLaunchedDuringBackward += LaunchReady();
                }
            }
            _reducer.Poll();
        }
#pragma warning disable CA1031 // An exception escaping a custom backward aborts the process; EndBackward rethrows it.
        catch (Exception e)
#pragma warning restore CA1031
        {
            _error ??= ExceptionDispatchInfo.Capture(e);
        }
    }

    /// <summary>Records a failure inside a custom backward, to be rethrown by <see cref="EndBackward"/>.</summary>
    public void Fail(Exception error) => _error ??= ExceptionDispatchInfo.Capture(error);

    /// <summary>
    /// After autograd's backward returned: launches what is left (unused parameters count as zero gradients), waits for
    /// every collective, resets the counts, and rethrows a failure from inside backward.
    /// </summary>
    public void EndBackward()
    {
        try
        {
            _error?.Throw();
            if (_communicate)
            {
                for (var segment = 0; segment < _segmentDone.Length; segment++)
                {
                    if (!_segmentDone[segment])
                    {
                        Complete(segment);
                    }
                }
                LaunchReady();
            }
            _reducer.Drain();
        }
        finally
        {
            _error = null;
            _nextInPlan = 0;
            Array.Clear(_pendingUses);
            Array.Clear(_segmentDone);
            Array.Copy(_segmentsPerBlock, _missingInBlock, _missingInBlock.Length);
        }
    }

    private void Complete(int segment)
    {
        _segmentDone[segment] = true;
        foreach (var block in _blocksOfSegment[segment])
        {
            _missingInBlock[block]--;
        }
        SegmentCompleted?.Invoke(segment);
    }

    private int LaunchReady()
    {
        var launched = 0;
        var blocks = _layout.Blocks;
        while (_nextInPlan < blocks.Count && _missingInBlock[blocks.Count - 1 - _nextInPlan] == 0)
        {
            _reducer.Launch(blocks[blocks.Count - 1 - _nextInPlan]);
            _nextInPlan++;
            launched++;
        }
        return launched;
    }
}
