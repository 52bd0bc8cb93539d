using SharpSpeed.Comm.Mpi;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Comm.Nccl;

/// <summary>
/// Collectives over NCCL on CUDA tensors, bootstrapped by MPI as Horovod and DeepSpeed's MPI discovery do: rank 0
/// creates the NCCL unique id and broadcasts it over MPI; every rank binds the GPU of its local rank. Collectives
/// are queued on the default CUDA stream (ordered with libtorch's kernels there); <see cref="CommWork.Wait"/>
/// waits for the stream (so <see cref="CommWork.IsCompleted"/> only says the collective was queued).
/// </summary>
public sealed unsafe class NcclProcessGroup : ProcessGroup
{
    private readonly NcclLibrary _nccl;
    private readonly MpiProcessGroup _bootstrap;
    private IntPtr _communicator;

    private NcclProcessGroup(NcclLibrary nccl, MpiProcessGroup bootstrap, IntPtr communicator)
        : base(bootstrap.Ranks)
    {
        _nccl = nccl;
        _bootstrap = bootstrap;
        _communicator = communicator;
        Device = torch.device(DeviceType.CUDA, bootstrap.LocalRank);
    }

    public override string Backend => "nccl";

    /// <summary>The GPU of this rank: cuda:LocalRank.</summary>
    public Device Device { get; }

    /// <summary>Creates the group, or fails with one line saying to use the mpi backend where NCCL cannot run.</summary>
    public static NcclProcessGroup Create()
    {
        if (!torch.cuda.is_available())
        {
            throw new InvalidOperationException(
                $"the nccl backend needs a CUDA GPU, and none is visible to this build ({BuildInfo.TorchFlavour} libtorch): " +
                "use --ddp_backend mpi");
        }
        var nccl = NcclLibrary.Load();
        var bootstrap = MpiProcessGroup.Create();
        try
        {
            if (bootstrap.LocalRank >= torch.cuda.device_count())
            {
                throw new InvalidOperationException(
                    $"local rank {bootstrap.LocalRank} has no GPU of its own: only {torch.cuda.device_count()} are visible; " +
                    "start at most one rank per GPU on each node");
            }
            var id = default(NcclUniqueId);
            using (var idTensor = zeros(NcclUniqueId.Size / sizeof(long), ScalarType.Int64))
            {
                var span = new Span<byte>(&id, NcclUniqueId.Size);
                if (bootstrap.Rank == 0)
                {
                    nccl.Check(nccl.GetUniqueId(&id), "ncclGetUniqueId");
                    span.CopyTo(idTensor.bytes);
                }
                bootstrap.Broadcast(idTensor, root: 0);
                idTensor.bytes.CopyTo(span);
            }
            NcclLibrary.CheckCuda(nccl.CudaSetDevice(bootstrap.LocalRank), "cudaSetDevice");
            IntPtr communicator;
            nccl.Check(nccl.CommInitRank(&communicator, bootstrap.WorldSize, id, bootstrap.Rank), "ncclCommInitRank");
            return new NcclProcessGroup(nccl, bootstrap, communicator);
        }
        catch
        {
            bootstrap.Dispose();
            throw;
        }
    }

    protected override void Dispose(bool disposing)
    {
        if (_communicator != IntPtr.Zero)
        {
            if (Abandoned)
            {
                // The stream sync and ncclCommDestroy could wait on peers that failed: only the bootstrap is let go.
                _bootstrap.Abandon();
            }
            else
            {
                NcclLibrary.CheckCuda(_nccl.CudaStreamSynchronize(IntPtr.Zero), "cudaStreamSynchronize");
                _nccl.Check(_nccl.CommDestroy(_communicator), "ncclCommDestroy");
            }
            _communicator = IntPtr.Zero;
            _bootstrap.Dispose();
        }
        base.Dispose(disposing);
    }

    private protected override CommWork StartAllReduce(Tensor tensor, CommTensor buffer, ReduceOp op, bool blocking)
    {
        RequireOnDevice(tensor, "all_reduce");
        _nccl.Check(
            _nccl.AllReduce(buffer.Data, buffer.Data, (nuint)buffer.Count, DataType(buffer), Op(op), _communicator, IntPtr.Zero),
            "ncclAllReduce");
        return Queued();
    }

    private protected override CommWork StartReduceScatter(
        Tensor input, Tensor output, CommTensor whole, CommTensor chunk, ReduceOp op, bool blocking)
    {
        RequireOnDevice(input, "reduce_scatter");
        _nccl.Check(
            _nccl.ReduceScatter(whole.Data, chunk.Data, (nuint)chunk.Count, DataType(whole), Op(op), _communicator, IntPtr.Zero),
            "ncclReduceScatter");
        return Queued();
    }

    private protected override CommWork StartAllGather(
        Tensor input, Tensor output, CommTensor chunk, CommTensor whole, bool blocking)
    {
        RequireOnDevice(input, "all_gather");
        _nccl.Check(
            _nccl.AllGather(chunk.Data, whole.Data, (nuint)chunk.Count, DataType(chunk), _communicator, IntPtr.Zero),
            "ncclAllGather");
        return Queued();
    }

    private protected override CommWork StartBroadcast(Tensor tensor, CommTensor buffer, int root, bool blocking)
    {
        RequireOnDevice(tensor, "broadcast");
        _nccl.Check(
            _nccl.Broadcast(buffer.Data, buffer.Data, (nuint)buffer.Count, DataType(buffer), root, _communicator, IntPtr.Zero),
            "ncclBroadcast");
        return Queued();
    }

    private protected override CommWork StartBarrier(bool blocking)
    {
        WaitForStream();
        if (blocking)
        {
            _bootstrap.Barrier();
            return CommWork.Completed;
        }
        return _bootstrap.BarrierAsync();
    }

    private CommWork Queued() => new(Task.CompletedTask, WaitForStream);

    private void WaitForStream() =>
        NcclLibrary.CheckCuda(_nccl.CudaStreamSynchronize(IntPtr.Zero), "cudaStreamSynchronize");

    private void RequireOnDevice(Tensor tensor, string operation)
    {
        if (tensor.device_type != DeviceType.CUDA || tensor.device_index != LocalRank)
        {
            throw new ArgumentException($"{operation}: the nccl backend of this rank works on {Device} tensors, not {tensor.device}");
        }
    }

    private static int DataType(CommTensor buffer) => buffer.Type switch
    {
        ScalarType.Float32 => NcclLibrary.Float32,
        ScalarType.BFloat16 => NcclLibrary.BFloat16,
        ScalarType.Float16 => NcclLibrary.Float16,
        ScalarType.Int64 => NcclLibrary.Int64,
        _ => throw new ArgumentException($"no NCCL datatype for {buffer.Type}", nameof(buffer)),
    };

    private static int Op(ReduceOp op) => op switch
    {
        ReduceOp.Sum => NcclLibrary.OpSum,
        ReduceOp.Avg => NcclLibrary.OpAvg,
        ReduceOp.Max => NcclLibrary.OpMax,
        _ => throw new ArgumentOutOfRangeException(nameof(op), op, "unknown reduction"),
    };
}
