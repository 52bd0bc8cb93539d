using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Comm.Mpi;

/// <summary>
/// Collectives over OpenMPI on CPU tensors. MPI is initialised (MPI_THREAD_MULTIPLE) and finalised on the group's
/// own communication thread, which issues every call; one group per process, for the life of the process.
/// MPI counts are 32-bit, so buffers above <see cref="MaxElementsPerCall"/> elements go in several calls.
/// </summary>
public sealed unsafe class MpiProcessGroup : ProcessGroup
{
    private static readonly Lock StateLock = new();
    private static bool s_used;

    private readonly MpiLibrary _mpi;
    private readonly CommQueue _queue;
    private readonly MpiReductions _reductions;
    private bool _disposed;

    private MpiProcessGroup(MpiLibrary mpi, CommQueue queue, MpiReductions reductions, RankInfo ranks)
        : base(ranks)
    {
        _mpi = mpi;
        _queue = queue;
        _reductions = reductions;
        AppDomain.CurrentDomain.ProcessExit += OnProcessExit;
    }

    public override string Backend => "mpi";

    /// <summary>Largest element count of one MPI call; lowered only by tests to exercise the chunked path.</summary>
    internal int MaxElementsPerCall { get; set; } = int.MaxValue;

    /// <summary>
    /// Initialises MPI and joins MPI_COMM_WORLD. Under mpirun the rank comes from OpenMPI; started alone, the
    /// process is an MPI singleton (world size 1). Local rank and size come from OpenMPI's environment.
    /// </summary>
    public static MpiProcessGroup Create()
    {
        var mpi = MpiLibrary.Instance; // a missing libmpi fails here, before MPI counts as used
        lock (StateLock)
        {
            if (s_used)
            {
                throw new InvalidOperationException(
                    "an MPI process group was already created in this process; MPI can be initialised only once, " +
                    "so create one group and share it");
            }
            s_used = true;
        }
        (int Rank, int Size) world = default;
        MpiReductions? reductions = null;
        var queue = new CommQueue(
            "sharpspeed-mpi",
            onStart: () =>
            {
                var provided = 0;
                mpi.Check(mpi.InitThread(null, null, MpiLibrary.ThreadMultiple, &provided), "MPI_Init_thread");
                if (provided < MpiLibrary.ThreadSerialized)
                {
                    throw new InvalidOperationException(
                        $"MPI_Init_thread granted thread level {provided}; SharpSpeed needs at least MPI_THREAD_SERIALIZED");
                }
                int rank, size;
                mpi.Check(mpi.CommRank(mpi.CommWorld, &rank), "MPI_Comm_rank");
                mpi.Check(mpi.CommSize(mpi.CommWorld, &size), "MPI_Comm_size");
                world = (rank, size);
                reductions = new MpiReductions(mpi);
            },
            onExit: () =>
            {
                reductions?.Free();
                mpi.Check(mpi.Finalize(), "MPI_Finalize");
            });
        var local = LaunchEnvironment.FromOpenMpi(Environment.GetEnvironmentVariable) ?? RankInfo.OneProcess;
        if (local.Rank != world.Rank || local.WorldSize != world.Size)
        {
            queue.Dispose();
            throw new InvalidOperationException(
                $"MPI says rank {world.Rank} of {world.Size} but OMPI_COMM_WORLD_RANK/SIZE say {local.Rank} of {local.WorldSize}");
        }
        return new MpiProcessGroup(mpi, queue, reductions!, local);
    }

    protected override void Dispose(bool disposing)
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        AppDomain.CurrentDomain.ProcessExit -= OnProcessExit;
        if (Abandoned)
        {
            _queue.Abandon();
        }
        else
        {
            _queue.Dispose();
        }
        base.Dispose(disposing);
    }

    private protected override CommWork StartAllReduce(Tensor tensor, CommTensor buffer, ReduceOp op, bool blocking) =>
        Submit(blocking, tensor, () =>
        {
            var (type, reduction) = _reductions.For(buffer.Type, op);
            foreach (var (offset, count) in Pieces(buffer.Count))
            {
                _mpi.Check(
                    _mpi.Allreduce(MpiLibrary.InPlace, buffer.ElementAt(offset), count, type, reduction, _mpi.CommWorld),
                    "MPI_Allreduce");
            }
        }, op == ReduceOp.Avg ? tensor : null);

    private protected override CommWork StartReduceScatter(
        Tensor input, Tensor output, CommTensor whole, CommTensor chunk, ReduceOp op, bool blocking) =>
        Submit(blocking, input, () =>
        {
            var (type, reduction) = _reductions.For(whole.Type, op);
            var n = chunk.Count;
            var own = whole.ElementAt(Rank * n);
            var inPlace = chunk.Data == own;
            // The whole buffer's count must fit too: OpenMPI's algorithms compute it as recvcount x size in an int.
            if (whole.Count <= MaxElementsPerCall)
            {
                if (inPlace)
                {
                    // In place, MPI leaves this rank's result at the start of the buffer: move it to the rank's chunk.
                    _mpi.Check(
                        _mpi.ReduceScatterBlock(MpiLibrary.InPlace, whole.Data, (int)n, type, reduction, _mpi.CommWorld),
                        "MPI_Reduce_scatter_block");
                    if (Rank != 0)
                    {
                        Buffer.MemoryCopy((void*)whole.Data, (void*)own, chunk.Bytes, chunk.Bytes);
                    }
                }
                else
                {
                    _mpi.Check(
                        _mpi.ReduceScatterBlock(whole.Data, chunk.Data, (int)n, type, reduction, _mpi.CommWorld),
                        "MPI_Reduce_scatter_block");
                }
                return;
            }
            // Above the count limit: reduce each piece of every rank's chunk to its owner, in calls of at most the limit.
            foreach (var (offset, count) in Pieces(n))
            {
                for (var root = 0; root < WorldSize; root++)
                {
                    var send = whole.ElementAt(root * n + offset);
                    var receive = root == Rank ? chunk.ElementAt(offset) : IntPtr.Zero;
                    if (root == Rank && inPlace)
                    {
                        send = MpiLibrary.InPlace;
                    }
                    _mpi.Check(_mpi.Reduce(send, receive, count, type, reduction, root, _mpi.CommWorld), "MPI_Reduce");
                }
            }
        }, op == ReduceOp.Avg ? output : null, output);

    private protected override CommWork StartAllGather(
        Tensor input, Tensor output, CommTensor chunk, CommTensor whole, bool blocking) =>
        Submit(blocking, input, () =>
        {
            var type = _reductions.TypeOf(chunk.Type);
            var n = chunk.Count;
            var own = whole.ElementAt(Rank * n);
            var inPlace = chunk.Data == own;
            if (whole.Count <= MaxElementsPerCall)
            {
                _mpi.Check(
                    _mpi.Allgather(inPlace ? MpiLibrary.InPlace : chunk.Data, (int)n, type, whole.Data, (int)n, type, _mpi.CommWorld),
                    "MPI_Allgather");
                return;
            }
            // Above the count limit: every rank broadcasts its chunk piece by piece.
            if (!inPlace)
            {
                Buffer.MemoryCopy((void*)chunk.Data, (void*)own, chunk.Bytes, chunk.Bytes);
            }
            foreach (var (offset, count) in Pieces(n))
            {
                for (var root = 0; root < WorldSize; root++)
                {
                    _mpi.Check(_mpi.Bcast(whole.ElementAt(root * n + offset), count, type, root, _mpi.CommWorld), "MPI_Bcast");
                }
            }
        }, average: null, output);

    private protected override CommWork StartBroadcast(Tensor tensor, CommTensor buffer, int root, bool blocking) =>
        Submit(blocking, tensor, () =>
        {
            var type = _reductions.TypeOf(buffer.Type);
            foreach (var (offset, count) in Pieces(buffer.Count))
            {
                _mpi.Check(_mpi.Bcast(buffer.ElementAt(offset), count, type, root, _mpi.CommWorld), "MPI_Bcast");
            }
        });

    private protected override CommWork StartBarrier(bool blocking) =>
        new(_queue.Submit(() => _mpi.Check(_mpi.Barrier(_mpi.CommWorld), "MPI_Barrier"), blocking));

    /// <summary>
    /// Runs <paramref name="work"/> (blocking: on this thread when nothing is queued) or queues it, keeping the
    /// tensors alive until it ran (a dispose scope of the caller may end first); for avg, divides
    /// <paramref name="average"/> by the world size once the sum is in.
    /// </summary>
    private CommWork Submit(bool blocking, Tensor tensor, Action work, Tensor? average = null, Tensor? second = null)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (blocking)
        {
            var world = WorldSize;
            return new CommWork(_queue.Submit(() =>
            {
                work();
                using var divisor = world.ToScalar();
                average?.div_(divisor);
            }, runHereWhenIdle: true));
        }
        var keep = tensor.alias().DetachFromDisposeScope();
        var keepSecond = second?.alias().DetachFromDisposeScope();
        var keepAverage = average?.alias().DetachFromDisposeScope();
        var worldSize = WorldSize;
        return new CommWork(_queue.Submit(() =>
        {
            try
            {
                work();
                using var divisor = worldSize.ToScalar();
                keepAverage?.div_(divisor);
            }
            finally
            {
                keep.Dispose();
                keepSecond?.Dispose();
                keepAverage?.Dispose();
            }
        }, runHereWhenIdle: false));
    }

    private IEnumerable<(long Offset, int Count)> Pieces(long count)
    {
        for (long offset = 0; offset < count; offset += MaxElementsPerCall)
        {
            yield return (offset, (int)Math.Min(MaxElementsPerCall, count - offset));
        }
    }

    private void OnProcessExit(object? sender, EventArgs e) => Dispose();
}
