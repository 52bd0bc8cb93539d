using static TorchSharp.torch;

namespace SharpSpeed.Comm;

/// <summary>
/// The world of one process: every collective is the identity (all_reduce of one tensor is itself, avg divides
/// by 1, reduce_scatter and all_gather copy the only chunk), so single-process training runs the same code path.
/// </summary>
public sealed class SingleProcessGroup : ProcessGroup
{
    public SingleProcessGroup()
        : base(RankInfo.OneProcess)
    {
    }

    public override string Backend => "single";

    private protected override CommWork StartAllReduce(Tensor tensor, CommTensor buffer, ReduceOp op, bool blocking) => CommWork.Completed;

    private protected override CommWork StartReduceScatter(
        Tensor input, Tensor output, CommTensor whole, CommTensor chunk, ReduceOp op, bool blocking) =>
        CopyIfDistinct(input, output, whole, chunk);

    private protected override CommWork StartAllGather(
        Tensor input, Tensor output, CommTensor chunk, CommTensor whole, bool blocking) =>
        CopyIfDistinct(input, output, chunk, whole);

    private protected override CommWork StartBroadcast(Tensor tensor, CommTensor buffer, int root, bool blocking) => CommWork.Completed;

    private protected override CommWork StartBarrier(bool blocking) => CommWork.Completed;

    private static CommWork CopyIfDistinct(Tensor source, Tensor destination, CommTensor from, CommTensor to)
    {
        if (from.Data != to.Data)
        {
            using var target = destination.view(-1);
            using var values = source.view(-1);
            target.copy_(values);
        }
        return CommWork.Completed;
    }
}
