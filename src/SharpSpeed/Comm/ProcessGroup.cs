using static TorchSharp.torch;

namespace SharpSpeed.Comm;

/// <summary>
/// A group of cooperating processes and the collectives between them (torch.distributed's ProcessGroup).
/// Every collective works on contiguous fp32 / bf16 / fp16 / int64 tensors in place and exists blocking and
/// asynchronous; all ranks must issue the same collectives in the same order. Asynchronous collectives run in
/// the order they were issued; blocking ones wait for everything issued before them.
/// </summary>
public abstract class ProcessGroup : IDisposable
{
    protected ProcessGroup(RankInfo ranks)
    {
        ArgumentNullException.ThrowIfNull(ranks);
        Ranks = ranks;
    }

    /// <summary>"single", "mpi" or "nccl".</summary>
    public abstract string Backend { get; }

    public RankInfo Ranks { get; }

    public int Rank => Ranks.Rank;

    public int WorldSize => Ranks.WorldSize;

    public int LocalRank => Ranks.LocalRank;

    public int LocalWorldSize => Ranks.LocalWorldSize;

    /// <summary>Reduces <paramref name="tensor"/> over all ranks; every rank ends with the result.</summary>
    public void AllReduce(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduce(tensor, op, blocking: true).Wait();

    public CommWork AllReduceAsync(Tensor tensor, ReduceOp op = ReduceOp.Sum) => AllReduce(tensor, op, blocking: false);

    /// <summary>
    /// Reduces <paramref name="input"/> (WorldSize equal chunks) over all ranks and leaves chunk <see cref="Rank"/>
    /// of the result in <paramref name="output"/>. <paramref name="output"/> may be this rank's chunk of
    /// <paramref name="input"/> itself (in place, as ZeRO-2 partitions a flat gradient buffer); the other chunks
    /// of <paramref name="input"/> are then unspecified afterwards.
    /// </summary>
    public void ReduceScatter(Tensor input, Tensor output, ReduceOp op = ReduceOp.Sum) =>
        ReduceScatter(input, output, op, blocking: true).Wait();

    public CommWork ReduceScatterAsync(Tensor input, Tensor output, ReduceOp op = ReduceOp.Sum) =>
        ReduceScatter(input, output, op, blocking: false);

    /// <summary>
    /// Gathers every rank's <paramref name="input"/> into <paramref name="output"/> (WorldSize equal chunks, rank
    /// order). <paramref name="input"/> may be this rank's chunk of <paramref name="output"/> (in place).
    /// </summary>
    public void AllGather(Tensor input, Tensor output) => AllGather(input, output, blocking: true).Wait();

    public CommWork AllGatherAsync(Tensor input, Tensor output) => AllGather(input, output, blocking: false);

    /// <summary>Copies <paramref name="tensor"/> of rank <paramref name="root"/> into the same tensor on every rank.</summary>
    public void Broadcast(Tensor tensor, int root = 0) => Broadcast(tensor, root, blocking: true).Wait();

    public CommWork BroadcastAsync(Tensor tensor, int root = 0) => Broadcast(tensor, root, blocking: false);

    /// <summary>Returns once every rank has reached its barrier.</summary>
    public void Barrier() => StartBarrier(blocking: true).Wait();

    public CommWork BarrierAsync() => StartBarrier(blocking: false);

    /// <summary>
    /// Marks this rank as failed, before it is disposed: disposing then skips the backend's collective shutdown.
    /// MPI_Finalize waits for every rank, so a rank that failed while its peers wait in a collective it will never
    /// reach would hang there; it must exit instead, which is what makes mpirun (and launch) end the whole job.
    /// </summary>
    public void Abandon() => Abandoned = true;

    /// <summary>True once <see cref="Abandon"/> was called.</summary>
    protected bool Abandoned { get; private set; }

    /// <summary>
    /// Runs <paramref name="body"/> with this group and disposes it; if <paramref name="body"/> throws, the group is
    /// abandoned first (see <see cref="Abandon"/>), so the failure ends this process instead of hanging it.
    /// </summary>
    public T RunAndDispose<T>(Func<ProcessGroup, T> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        using (this)
        {
            try
            {
                return body(this);
            }
            catch
            {
                Abandon();
                throw;
            }
        }
    }

    public void Dispose()
    {
        Dispose(disposing: true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
    }

    // The backends' halves of the collectives, on validated buffers. `blocking` says the caller waits at once, so a
    // backend may run the collective on the calling thread instead of handing it to another.
    private protected abstract CommWork StartAllReduce(Tensor tensor, CommTensor buffer, ReduceOp op, bool blocking);

    private protected abstract CommWork StartReduceScatter(
        Tensor input, Tensor output, CommTensor whole, CommTensor chunk, ReduceOp op, bool blocking);

    private protected abstract CommWork StartAllGather(
        Tensor input, Tensor output, CommTensor chunk, CommTensor whole, bool blocking);

    private protected abstract CommWork StartBroadcast(Tensor tensor, CommTensor buffer, int root, bool blocking);

    private protected abstract CommWork StartBarrier(bool blocking);

    private CommWork AllReduce(Tensor tensor, ReduceOp op, bool blocking)
    {
        var buffer = CommTensor.Of(tensor, "all_reduce", "input");
        RequireFloatingForAvg(buffer, op, "all_reduce");
        return StartAllReduce(tensor, buffer, op, blocking);
    }

    private CommWork ReduceScatter(Tensor input, Tensor output, ReduceOp op, bool blocking)
    {
        var (whole, chunk) = EqualChunks("reduce_scatter", input, output, "input", "output");
        RequireFloatingForAvg(whole, op, "reduce_scatter");
        return StartReduceScatter(input, output, whole, chunk, op, blocking);
    }

    private CommWork AllGather(Tensor input, Tensor output, bool blocking)
    {
        var (whole, chunk) = EqualChunks("all_gather", output, input, "output", "input");
        return StartAllGather(input, output, chunk, whole, blocking);
    }

    private CommWork Broadcast(Tensor tensor, int root, bool blocking)
    {
        if (root < 0 || root >= WorldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(root), root, $"broadcast: root must be a rank in [0, {WorldSize})");
        }
        return StartBroadcast(tensor, CommTensor.Of(tensor, "broadcast", "input"), root, blocking);
    }

    private (CommTensor Whole, CommTensor Chunk) EqualChunks(
        string operation, Tensor whole, Tensor chunk, string wholeRole, string chunkRole)
    {
        var wholeBuffer = CommTensor.Of(whole, operation, wholeRole);
        var chunkBuffer = CommTensor.Of(chunk, operation, chunkRole);
        if (wholeBuffer.Type != chunkBuffer.Type)
        {
            throw new ArgumentException(
                $"{operation}: the {wholeRole} tensor is {wholeBuffer.Type} but the {chunkRole} tensor is {chunkBuffer.Type}");
        }
        if (whole.device_type != chunk.device_type || whole.device_index != chunk.device_index)
        {
            throw new ArgumentException(
                $"{operation}: the {wholeRole} tensor is on {whole.device} but the {chunkRole} tensor is on {chunk.device}");
        }
        if (wholeBuffer.Count != chunkBuffer.Count * WorldSize)
        {
            throw new ArgumentException(
                $"{operation}: the {wholeRole} tensor has {wholeBuffer.Count} elements but must have world size " +
                $"({WorldSize}) x the {chunkRole} tensor's {chunkBuffer.Count}");
        }
        return (wholeBuffer, chunkBuffer);
    }

    private static void RequireFloatingForAvg(CommTensor buffer, ReduceOp op, string operation)
    {
        if (op == ReduceOp.Avg && buffer.Type == ScalarType.Int64)
        {
            throw new ArgumentException($"{operation}: avg needs a floating-point tensor, not int64");
        }
    }
}
