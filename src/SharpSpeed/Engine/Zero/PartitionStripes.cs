using SharpSpeed.Comm;
using SharpSpeed.Engine.Flat;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Engine.Zero;

/// <summary>
/// ZeRO's bucketed collectives over a flat buffer split into WorldSize equal partitions. A bucket is a "stripe": the
/// same sub-range [o, o + L) of every partition, packed rank after rank into one contiguous bucket of WorldSize x L
/// elements, so that one reduce_scatter leaves each rank the reduced sub-range of its own partition and one all_gather
/// gives every rank the sub-range of every partition. Stripes walk the partitions from their end to their start
/// (last layers first, the order backward produces gradients). L = bucket size / WorldSize, so a bucket moves at most
/// the configured reduce_bucket_size / allgather_bucket_size elements. With overlap, two bucket buffers alternate:
/// the next stripe is packed while the previous one is on the wire.
/// </summary>
internal sealed class PartitionStripes : IDisposable
{
    private readonly ProcessGroup _group;
    private readonly FlatLayout _layout;
    private readonly long _stripeLength;
    private readonly Tensor[] _buckets;

    public PartitionStripes(ProcessGroup group, FlatLayout layout, long bucketElements, ScalarType dtype, bool overlap)
    {
        _group = group;
        _layout = layout;
        _stripeLength = Math.Clamp(bucketElements / group.WorldSize, 1, layout.PartitionSize);
        // A bucket as large as the whole buffer needs no copy: the collective then runs in place on the buffer.
        _buckets = WholeBufferAtOnce
            ? []
            : [.. Enumerable.Range(0, overlap ? 2 : 1).Select(_ => empty(_stripeLength * group.WorldSize, dtype: dtype).DetachFromDisposeScope())];
    }

    public long BucketBytes => _buckets.Sum(b => b.NumberOfElements * b.ElementSize);

    private bool WholeBufferAtOnce => _stripeLength == _layout.PartitionSize;

    /// <summary>
    /// Averages <paramref name="full"/> (every rank's whole flat gradient) over ranks and adds this rank's partition of
    /// the average into <paramref name="partitionAccumulator"/> (fp32, PartitionSize elements). The other partitions of
    /// <paramref name="full"/> are unspecified afterwards.
    /// </summary>
    public void ReduceScatterAdd(Tensor full, Tensor partitionAccumulator)
    {
        using var noGrad = no_grad();
        if (WholeBufferAtOnce)
        {
            using var own = full.narrow(0, _group.Rank * _layout.PartitionSize, _layout.PartitionSize);
            _group.ReduceScatter(full, own, ReduceOp.Avg);
            partitionAccumulator.add_(own);
            return;
        }
        Pipeline(
            (bucket, offset, length) =>
            {
                Pack(full, bucket, offset, length);
                var mine = bucket.narrow(0, _group.Rank * length, length);
                return (_group.ReduceScatterAsync(bucket.narrow(0, 0, length * _group.WorldSize), mine, ReduceOp.Avg), mine);
            },
            (mine, offset, length) =>
            {
                using var target = partitionAccumulator.narrow(0, offset, length);
                target.add_(mine);
            });
    }

    /// <summary>Gives every rank every partition of <paramref name="full"/>, each rank contributing its own partition.</summary>
    public void AllGather(Tensor full)
    {
        using var noGrad = no_grad();
        if (WholeBufferAtOnce)
        {
            using var own = full.narrow(0, _group.Rank * _layout.PartitionSize, _layout.PartitionSize);
            _group.AllGather(own, full);
            return;
        }
        Pipeline(
            (bucket, offset, length) =>
            {
                var whole = bucket.narrow(0, 0, length * _group.WorldSize);
                var mine = whole.narrow(0, _group.Rank * length, length);
                using (var source = full.narrow(0, _group.Rank * _layout.PartitionSize + offset, length))
                {
                    mine.copy_(source);
                }
                return (_group.AllGatherAsync(mine, whole), whole);
            },
            (whole, offset, length) => Unpack(whole, full, offset, length));
    }

    public void Dispose()
    {
        foreach (var bucket in _buckets)
        {
            bucket.Dispose();
        }
    }

    /// <summary>Stripes from the partitions' end to their start; with two buckets, stripe k+1 is started before stripe k is finished.</summary>
    private void Pipeline(
        Func<Tensor, long, long, (CommWork Work, Tensor Result)> start, Action<Tensor, long, long> finish)
    {
        (CommWork Work, Tensor Result, long Offset, long Length)? pending = null;
        var index = 0;
        for (var end = _layout.PartitionSize; end > 0; end -= _stripeLength)
        {
            var length = Math.Min(_stripeLength, end);
            var offset = end - length;
            using var scope = NewDisposeScope();
            var bucket = _buckets[index++ % _buckets.Length];
            if (_buckets.Length == 1 && pending is { } previous)
            {
                Complete(previous, finish);
                pending = null;
            }
            var (work, result) = start(bucket, offset, length);
            result.DetachFromDisposeScope();
            if (pending is { } older)
            {
                Complete(older, finish);
            }
            pending = (work, result, offset, length);
        }
        if (pending is { } last)
        {
            Complete(last, finish);
        }
    }

    private static void Complete((CommWork Work, Tensor Result, long Offset, long Length) item, Action<Tensor, long, long> finish)
    {
        item.Work.Wait();
        finish(item.Result, item.Offset, item.Length);
        item.Result.Dispose();
    }

    private void Pack(Tensor full, Tensor bucket, long offset, long length)
    {
        for (var rank = 0; rank < _group.WorldSize; rank++)
        {
            using var source = full.narrow(0, rank * _layout.PartitionSize + offset, length);
            using var target = bucket.narrow(0, rank * length, length);
            target.copy_(source);
        }
    }

    private void Unpack(Tensor whole, Tensor full, long offset, long length)
    {
        for (var rank = 0; rank < _group.WorldSize; rank++)
        {
            if (rank == _group.Rank)
            {
                continue;
            }
            using var source = whole.narrow(0, rank * length, length);
            using var target = full.narrow(0, rank * _layout.PartitionSize + offset, length);
            target.copy_(source);
        }
    }
}
