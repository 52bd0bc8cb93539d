using SharpSpeed.Comm;
using static TorchSharp.torch;

namespace SharpSpeed.Tests.Engine.Distributed;

/// <summary>
/// A one-process group that behaves like <see cref="SingleProcessGroup"/> (identity reductions, copying gathers) and
/// records every collective issued, with its element count, so tests can see what an engine communicates when.
/// </summary>
internal sealed class CountingProcessGroup() : ProcessGroup(RankInfo.OneProcess)
{
    public List<(string Operation, long Elements)> Calls { get; } = [];

    public override string Backend => "counting";

    public int Count(string operation) => Calls.Count(c => c.Operation == operation);

    private protected override CommWork StartAllReduce(Tensor tensor, CommTensor buffer, ReduceOp op, bool blocking)
    {
        Calls.Add(("all_reduce", tensor.NumberOfElements));
        return CommWork.Completed;
    }

    private protected override CommWork StartReduceScatter(Tensor input, Tensor output, CommTensor whole, CommTensor chunk, ReduceOp op, bool blocking)
    {
        Calls.Add(("reduce_scatter", input.NumberOfElements));
        return Copy(input, output);
    }

    private protected override CommWork StartAllGather(Tensor input, Tensor output, CommTensor chunk, CommTensor whole, bool blocking)
    {
        Calls.Add(("all_gather", output.NumberOfElements));
        return Copy(input, output);
    }

    private protected override CommWork StartBroadcast(Tensor tensor, CommTensor buffer, int root, bool blocking)
    {
        Calls.Add(("broadcast", tensor.NumberOfElements));
        return CommWork.Completed;
    }

    private protected override CommWork StartBarrier(bool blocking)
    {
        Calls.Add(("barrier", 0));
        return CommWork.Completed;
    }

    private static CommWork Copy(Tensor source, Tensor destination)
    {
        using var target = destination.view(-1);
        using var values = source.view(-1);
        target.copy_(values);
        return CommWork.Completed;
    }
}
