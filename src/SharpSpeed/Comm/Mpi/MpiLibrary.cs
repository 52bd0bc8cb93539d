using System.Runtime.InteropServices;
using System.Text;

namespace SharpSpeed.Comm.Mpi;

/// <summary>
/// Our P/Invoke layer over OpenMPI's C library (libmpi.so.40). OpenMPI's handles (MPI_COMM_WORLD, MPI_FLOAT,
/// MPI_SUM, ...) are the addresses of global symbols, so they are looked up with dlsym. The library is opened
/// RTLD_GLOBAL because OpenMPI's plug-ins, dlopen'ed by MPI_Init, resolve libmpi's symbols globally.
/// </summary>
internal sealed unsafe class MpiLibrary
{
    public const string FileName = "libmpi.so.40";
    public const int ThreadSerialized = 2;
    public const int ThreadMultiple = 3;

    /// <summary>MPI_IN_PLACE in OpenMPI.</summary>
    public static readonly IntPtr InPlace = 1;

    private const int RtldNow = 0x2;
    private const int RtldGlobal = 0x100;

    private static readonly Lazy<MpiLibrary> Shared = new(Load);

    private readonly IntPtr _library;

    private MpiLibrary(IntPtr library)
    {
        _library = library;
        CommWorld = Symbol("ompi_mpi_comm_world");
        Float = Symbol("ompi_mpi_float");
        UInt16 = Symbol("ompi_mpi_uint16_t");
        Int64 = Symbol("ompi_mpi_int64_t");
        OpSum = Symbol("ompi_mpi_op_sum");
        OpMax = Symbol("ompi_mpi_op_max");
        InitThread = (delegate* unmanaged<int*, byte***, int, int*, int>)Symbol("MPI_Init_thread");
        Initialized = (delegate* unmanaged<int*, int>)Symbol("MPI_Initialized");
        Finalized = (delegate* unmanaged<int*, int>)Symbol("MPI_Finalized");
        Finalize = (delegate* unmanaged<int>)Symbol("MPI_Finalize");
        CommRank = (delegate* unmanaged<IntPtr, int*, int>)Symbol("MPI_Comm_rank");
        CommSize = (delegate* unmanaged<IntPtr, int*, int>)Symbol("MPI_Comm_size");
        Allreduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Symbol("MPI_Allreduce");
        Reduce = (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, int, IntPtr, int>)Symbol("MPI_Reduce");
        ReduceScatterBlock =
            (delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int>)Symbol("MPI_Reduce_scatter_block");
        Allgather = (delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int>)Symbol("MPI_Allgather");
        Bcast = (delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int>)Symbol("MPI_Bcast");
        Barrier = (delegate* unmanaged<IntPtr, int>)Symbol("MPI_Barrier");
        OpCreate = (delegate* unmanaged<IntPtr, int, IntPtr*, int>)Symbol("MPI_Op_create");
        OpFree = (delegate* unmanaged<IntPtr*, int>)Symbol("MPI_Op_free");
        ErrorString = (delegate* unmanaged<int, byte*, int*, int>)Symbol("MPI_Error_string");
    }

    public IntPtr CommWorld { get; }

    public IntPtr Float { get; }

    public IntPtr UInt16 { get; }

    public IntPtr Int64 { get; }

    public IntPtr OpSum { get; }

    public IntPtr OpMax { get; }

    public delegate* unmanaged<int*, byte***, int, int*, int> InitThread { get; }

    public delegate* unmanaged<int*, int> Initialized { get; }

    public delegate* unmanaged<int*, int> Finalized { get; }

    public delegate* unmanaged<int> Finalize { get; }

    public delegate* unmanaged<IntPtr, int*, int> CommRank { get; }

    public delegate* unmanaged<IntPtr, int*, int> CommSize { get; }

    /// <summary>MPI_Allreduce(sendbuf, recvbuf, count, datatype, op, comm).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> Allreduce { get; }

    /// <summary>MPI_Reduce(sendbuf, recvbuf, count, datatype, op, root, comm).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, int, IntPtr, int> Reduce { get; }

    /// <summary>MPI_Reduce_scatter_block(sendbuf, recvbuf, recvcount, datatype, op, comm).</summary>
    public delegate* unmanaged<IntPtr, IntPtr, int, IntPtr, IntPtr, IntPtr, int> ReduceScatterBlock { get; }

    /// <summary>MPI_Allgather(sendbuf, sendcount, sendtype, recvbuf, recvcount, recvtype, comm).</summary>
    public delegate* unmanaged<IntPtr, int, IntPtr, IntPtr, int, IntPtr, IntPtr, int> Allgather { get; }

    /// <summary>MPI_Bcast(buffer, count, datatype, root, comm).</summary>
    public delegate* unmanaged<IntPtr, int, IntPtr, int, IntPtr, int> Bcast { get; }

    public delegate* unmanaged<IntPtr, int> Barrier { get; }

    /// <summary>MPI_Op_create(user_fn, commute, op*).</summary>
    public delegate* unmanaged<IntPtr, int, IntPtr*, int> OpCreate { get; }

    public delegate* unmanaged<IntPtr*, int> OpFree { get; }

    private delegate* unmanaged<int, byte*, int*, int> ErrorString { get; }

    public static MpiLibrary Instance => Shared.Value;

    /// <summary>Throws with MPI's own message when <paramref name="code"/> is not MPI_SUCCESS.</summary>
    public void Check(int code, string call)
    {
        if (code == 0)
        {
            return;
        }
        var text = stackalloc byte[256]; // MPI_MAX_ERROR_STRING is 256 in OpenMPI
        var length = 0;
        var message = ErrorString(code, text, &length) == 0
            ? Encoding.ASCII.GetString(text, Math.Clamp(length, 0, 256))
            : "unknown error";
        throw new InvalidOperationException($"{call} failed with MPI error {code}: {message}");
    }

    private IntPtr Symbol(string name) =>
        NativeLibrary.TryGetExport(_library, name, out var address)
            ? address
            : throw new InvalidOperationException($"{FileName} has no symbol {name}: this is not OpenMPI 4.x");

    private static MpiLibrary Load()
    {
        var handle = dlopen(FileName, RtldNow | RtldGlobal);
        if (handle == IntPtr.Zero)
        {
            var reason = Marshal.PtrToStringAnsi(dlerror()) ?? "not found";
            throw new InvalidOperationException(
                $"the mpi backend needs OpenMPI's {FileName} ({reason}); install OpenMPI (Debian: apt-get install " +
                "openmpi-bin libopenmpi-dev) or use the single-process backend");
        }
        return new MpiLibrary(handle);
    }

    [DllImport("libc.so.6")]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Globalization", "CA2101",
        Justification = "dlopen takes a UTF-8 path on Linux, which LPUTF8Str marshals; the rule only knows LPWStr")]
    private static extern IntPtr dlopen([MarshalAs(UnmanagedType.LPUTF8Str)] string fileName, int flags);

    [DllImport("libc.so.6")]
    private static extern IntPtr dlerror();
}
