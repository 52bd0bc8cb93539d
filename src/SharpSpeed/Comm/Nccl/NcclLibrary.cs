using System.Runtime.InteropServices;

namespace SharpSpeed.Comm.Nccl;

/// <summary>128 opaque bytes naming an NCCL communicator; rank 0 creates it, the others receive it.</summary>
[StructLayout(LayoutKind.Sequential)]
internal unsafe struct NcclUniqueId
{
    public const int Size = 128;

    public fixed byte Internal[Size];
}

/// <summary>
/// Our P/Invoke layer over libnccl.so.2 and the two CUDA runtime calls NCCL needs around it (select the device,
/// wait for the stream). Collectives run on the legacy default stream (null), the stream libtorch computes on
/// unless a program switches streams.
/// </summary>
internal sealed unsafe class NcclLibrary
{
    public const string FileName = "libnccl.so.2";

    // ncclDataType_t and ncclRedOp_t values of nccl.h (stable since NCCL 2.10).
    public const int Int64 = 4;
    public const int Float16 = 6;
    public const int Float32 = 7;
    public const int BFloat16 = 9;
    public const int OpSum = 0;
    public const int OpMax = 2;
    public const int OpAvg = 4;

    private static readonly string[] CudaRuntimeNames = ["libcudart.so.12", "libcudart.so.11.0", "libcudart.so"];

    private NcclLibrary(IntPtr nccl, IntPtr cudaRuntime)
    {
        GetUniqueId = (delegate* unmanaged<NcclUniqueId*, int>)NativeLibrary.GetExport(nccl, "ncclGetUniqueId");
        CommInitRank = (delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int>)NativeLibrary.GetExport(nccl, "ncclCommInitRank");
        CommDestroy = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(nccl, "ncclCommDestroy");
        AllReduce = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(nccl, "ncclAllReduce");
        ReduceScatter = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(nccl, "ncclReduceScatter");
        AllGather = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(nccl, "ncclAllGather");
        Broadcast = (delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int>)NativeLibrary.GetExport(nccl, "ncclBroadcast");
        _errorString = (delegate* unmanaged<int, IntPtr>)NativeLibrary.GetExport(nccl, "ncclGetErrorString");
        CudaSetDevice = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(cudaRuntime, "cudaSetDevice");
        CudaStreamSynchronize = (delegate* unmanaged<IntPtr, int>)NativeLibrary.GetExport(cudaRuntime, "cudaStreamSynchronize");
    }

    public delegate* unmanaged<NcclUniqueId*, int> GetUniqueId { get; }

    /// <summary>ncclCommInitRank(comm*, nranks, id (by value), rank).</summary>
    public delegate* unmanaged<IntPtr*, int, NcclUniqueId, int, int> CommInitRank { get; }

    public delegate* unmanaged<IntPtr, int> CommDestroy { get; }

    /// <summary>ncclAllReduce(send, recv, count, datatype, op, comm, stream).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> AllReduce { get; }

    /// <summary>ncclReduceScatter(send, recv, recvcount, datatype, op, comm, stream).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> ReduceScatter { get; }

    /// <summary>ncclAllGather(send, recv, sendcount, datatype, comm, stream).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, IntPtr, IntPtr, int> AllGather { get; }

    /// <summary>ncclBroadcast(send, recv, count, datatype, root, comm, stream).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, nuint, int, int, IntPtr, IntPtr, int> Broadcast { get; }

    public delegate* unmanaged<int, int> CudaSetDevice { get; }

    public delegate* unmanaged<IntPtr, int> CudaStreamSynchronize { get; }

    private delegate* unmanaged<int, IntPtr> _errorString { get; }

    /// <summary>Loads NCCL and the CUDA runtime, or says in one line why the nccl backend cannot run here.</summary>
    public static NcclLibrary Load()
    {
        if (!NativeLibrary.TryLoad(FileName, out var nccl))
        {
            throw new InvalidOperationException(
                $"the nccl backend needs {FileName}, which is not installed here: use --ddp_backend mpi");
        }
        var cudaRuntime = IntPtr.Zero;
        if (!CudaRuntimeNames.Any(name => NativeLibrary.TryLoad(name, out cudaRuntime)))
        {
            throw new InvalidOperationException(
                "the nccl backend needs the CUDA runtime (libcudart.so), which is not installed here: use --ddp_backend mpi");
        }
        return new NcclLibrary(nccl, cudaRuntime);
    }

    public void Check(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException(
                $"{call} failed with NCCL error {result}: {Marshal.PtrToStringAnsi(_errorString(result)) ?? "unknown"}");
        }
    }

    public static void CheckCuda(int result, string call)
    {
        if (result != 0)
        {
            throw new InvalidOperationException($"{call} failed with CUDA error {result}");
        }
    }
}
