using static TorchSharp.torch;

namespace SharpSpeed.Comm.Mpi;

/// <summary>The MPI datatype and reduction for each tensor type: MPI's own for fp32 and int64, ours for 16-bit.</summary>
internal sealed unsafe class MpiReductions
{
    private readonly MpiLibrary _mpi;
    private IntPtr _bfloat16Sum;
    private IntPtr _bfloat16Max;
    private IntPtr _float16Sum;
    private IntPtr _float16Max;

    /// <summary>Creates the user-defined operations; MPI must be initialised.</summary>
    public MpiReductions(MpiLibrary mpi)
    {
        _mpi = mpi;
        _bfloat16Sum = Create(HalfPrecisionReductions.BFloat16Sum);
        _bfloat16Max = Create(HalfPrecisionReductions.BFloat16Max);
        _float16Sum = Create(HalfPrecisionReductions.Float16Sum);
        _float16Max = Create(HalfPrecisionReductions.Float16Max);
    }

    public IntPtr TypeOf(ScalarType type) => type switch
    {
        ScalarType.Float32 => _mpi.Float,
        ScalarType.Int64 => _mpi.Int64,
        ScalarType.BFloat16 or ScalarType.Float16 => _mpi.UInt16,
        _ => throw new ArgumentException($"no MPI datatype for {type}", nameof(type)),
    };

    /// <summary>Avg is reduced as a sum; the division by the world size follows.</summary>
    public (IntPtr Type, IntPtr Op) For(ScalarType type, ReduceOp op)
    {
        var max = op == ReduceOp.Max;
        var reduction = type switch
        {
            ScalarType.Float32 or ScalarType.Int64 => max ? _mpi.OpMax : _mpi.OpSum,
            ScalarType.BFloat16 => max ? _bfloat16Max : _bfloat16Sum,
            ScalarType.Float16 => max ? _float16Max : _float16Sum,
            _ => throw new ArgumentException($"no MPI reduction for {type}", nameof(type)),
        };
        return (TypeOf(type), reduction);
    }

    /// <summary>Frees the user-defined operations; call before MPI_Finalize.</summary>
    public void Free()
    {
        Free(ref _bfloat16Sum);
        Free(ref _bfloat16Max);
        Free(ref _float16Sum);
        Free(ref _float16Max);
    }

    private IntPtr Create(IntPtr function)
    {
        IntPtr op;
        _mpi.Check(_mpi.OpCreate(function, 1, &op), "MPI_Op_create");
        return op;
    }

    private void Free(ref IntPtr op)
    {
        var handle = op;
        _mpi.Check(_mpi.OpFree(&handle), "MPI_Op_free");
        op = IntPtr.Zero;
    }
}
