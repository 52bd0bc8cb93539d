using SharpSpeed.Engine.Flat;

namespace SharpSpeed.Engine.DataParallel;

/// <summary>
/// torch DDP's gradient buckets: parameters in reverse order (the order backward produces their gradients), whole
/// parameters per bucket, a bucket closing once it holds at least its byte cap; the first bucket has a small cap so
/// communication starts early. Because the flat layout keeps parameters in order, each bucket is one contiguous range.
/// </summary>
public sealed class DdpBucketPlan
{
    private readonly int[] _bucketOfSegment;
    private readonly List<int> _segmentCounts = [];

    public DdpBucketPlan(FlatLayout layout, long elementSize, long firstBucketCapBytes, long bucketCapBytes)
    {
        ArgumentNullException.ThrowIfNull(layout);
        _bucketOfSegment = new int[layout.Segments.Count];
        var buckets = new List<PartitionRange>();
        var members = new List<int>();
        long start = -1, end = -1, bytes = 0;
        for (var i = layout.Segments.Count - 1; i >= 0; i--)
        {
            var segment = layout.Segments[i];
            if (end < 0)
            {
                end = segment.Offset + segment.Count;
            }
            start = segment.Offset;
            bytes += segment.Count * elementSize;
            _bucketOfSegment[i] = buckets.Count;
            members.Add(i);
            var cap = buckets.Count == 0 ? firstBucketCapBytes : bucketCapBytes;
            if (bytes >= cap || i == 0)
            {
                buckets.Add(new PartitionRange(start, end - start));
                _segmentCounts.Add(members.Count);
                members.Clear();
                end = -1;
                bytes = 0;
            }
        }
        Buckets = buckets;
    }

    /// <summary>Contiguous flat ranges, in launch order (last parameters first).</summary>
    public IReadOnlyList<PartitionRange> Buckets { get; }

    /// <summary>How many parameters each bucket holds.</summary>
    public IReadOnlyList<int> SegmentCounts => _segmentCounts;

    public int BucketOf(int segmentIndex) => _bucketOfSegment[segmentIndex];

    public long LargestBucketElements => Buckets.Count == 0 ? 0 : Buckets.Max(b => b.Length);
}
