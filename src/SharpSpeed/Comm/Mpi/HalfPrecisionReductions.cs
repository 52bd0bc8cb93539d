using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;

namespace SharpSpeed.Comm.Mpi;

/// <summary>
/// MPI has no bfloat16 and OpenMPI's MPI_SUM does not know float16, so 16-bit tensors travel as MPI_UINT16_T
/// with user-defined reductions (MPI_Op_create). Each pairwise step widens both operands to fp32, adds (or takes
/// the max) and rounds back to the 16-bit type to nearest, ties to even — the arithmetic of a bf16/fp16 add in
/// libtorch, and what NCCL does for these types. This keeps 2 bytes per element on the wire (half the traffic of
/// reducing through an fp32 scratch copy, which matters for ZeRO's gradient buckets) at the cost of one rounding
/// per reduction step instead of one in total: with N ranks the result is within about log2(N) units in the last
/// place of the exact sum, the behaviour DeepSpeed and NCCL have when gradients are communicated in 16 bits.
/// </summary>
internal static unsafe class HalfPrecisionReductions
{
    public static IntPtr BFloat16Sum => (IntPtr)(delegate* unmanaged<ushort*, ushort*, int*, IntPtr*, void>)&SumBFloat16;

    public static IntPtr BFloat16Max => (IntPtr)(delegate* unmanaged<ushort*, ushort*, int*, IntPtr*, void>)&MaxBFloat16;

    public static IntPtr Float16Sum => (IntPtr)(delegate* unmanaged<ushort*, ushort*, int*, IntPtr*, void>)&SumFloat16;

    public static IntPtr Float16Max => (IntPtr)(delegate* unmanaged<ushort*, ushort*, int*, IntPtr*, void>)&MaxFloat16;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float BFloat16ToSingle(ushort bits) => BitConverter.UInt32BitsToSingle((uint)bits << 16);

    /// <summary>fp32 to bf16, round to nearest even; NaN stays a (quiet) NaN.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToBFloat16(float value)
    {
        var bits = BitConverter.SingleToUInt32Bits(value);
        if ((bits & 0x7FFF_FFFFu) > 0x7F80_0000u)
        {
            return (ushort)((bits >> 16) | 0x0040u);
        }
        bits += 0x7FFFu + ((bits >> 16) & 1u);
        return (ushort)(bits >> 16);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Float16ToSingle(ushort bits) => (float)BitConverter.UInt16BitsToHalf(bits);

    /// <summary>fp32 to fp16; .NET's conversion rounds to nearest even.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static ushort SingleToFloat16(float value) => BitConverter.HalfToUInt16Bits((Half)value);

    // MPI's user function contract: inoutvec[i] = invec[i] (op) inoutvec[i] for i < *len.
    [UnmanagedCallersOnly]
    private static void SumBFloat16(ushort* invec, ushort* inoutvec, int* len, IntPtr* datatype) =>
        AddBFloat16(new ReadOnlySpan<ushort>(invec, *len), new Span<ushort>(inoutvec, *len));

    /// <summary>
    /// <paramref name="sum"/>[i] = bf16(<paramref name="addend"/>[i] + <paramref name="sum"/>[i]), 16 elements per
    /// step where the CPU has 256-bit vectors (gradient buckets are large; this runs inside MPI's reduction).
    /// </summary>
    internal static void AddBFloat16(ReadOnlySpan<ushort> addend, Span<ushort> sum)
    {
        var i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= sum.Length - Vector256<ushort>.Count; i += Vector256<ushort>.Count)
            {
                var (addendLow, addendHigh) = Vector256.Widen(Vector256.Create(addend.Slice(i, Vector256<ushort>.Count)));
                var (sumLow, sumHigh) = Vector256.Widen(Vector256.Create((ReadOnlySpan<ushort>)sum.Slice(i, Vector256<ushort>.Count)));
                var low = RoundToBFloat16(Widened(addendLow) + Widened(sumLow));
                var high = RoundToBFloat16(Widened(addendHigh) + Widened(sumHigh));
                Vector256.Narrow(low, high).CopyTo(sum.Slice(i, Vector256<ushort>.Count));
            }
        }
        for (; i < sum.Length; i++)
        {
            sum[i] = SingleToBFloat16(BFloat16ToSingle(addend[i]) + BFloat16ToSingle(sum[i]));
        }
    }

    private static Vector256<float> Widened(Vector256<uint> bfloat16Bits) => Vector256.ShiftLeft(bfloat16Bits, 16).AsSingle();

    /// <summary>The vector form of <see cref="SingleToBFloat16"/>: results are below 2^16, ready to narrow.</summary>
    private static Vector256<uint> RoundToBFloat16(Vector256<float> value)
    {
        var bits = value.AsUInt32();
        var nan = Vector256.GreaterThan(bits & Vector256.Create(0x7FFF_FFFFu), Vector256.Create(0x7F80_0000u));
        var rounded = Vector256.ShiftRightLogical(
            bits + Vector256.Create(0x7FFFu) + (Vector256.ShiftRightLogical(bits, 16) & Vector256<uint>.One), 16);
        var quietNan = Vector256.ShiftRightLogical(bits, 16) | Vector256.Create(0x0040u);
        return Vector256.ConditionalSelect(nan, quietNan, rounded);
    }

    [UnmanagedCallersOnly]
    private static void MaxBFloat16(ushort* invec, ushort* inoutvec, int* len, IntPtr* datatype)
    {
        var count = *len;
        for (var i = 0; i < count; i++)
        {
            inoutvec[i] = SingleToBFloat16(MathF.Max(BFloat16ToSingle(invec[i]), BFloat16ToSingle(inoutvec[i])));
        }
    }

    [UnmanagedCallersOnly]
    private static void SumFloat16(ushort* invec, ushort* inoutvec, int* len, IntPtr* datatype)
    {
        var count = *len;
        for (var i = 0; i < count; i++)
        {
            inoutvec[i] = SingleToFloat16(Float16ToSingle(invec[i]) + Float16ToSingle(inoutvec[i]));
        }
    }

    [UnmanagedCallersOnly]
    private static void MaxFloat16(ushort* invec, ushort* inoutvec, int* len, IntPtr* datatype)
    {
        var count = *len;
        for (var i = 0; i < count; i++)
        {
            inoutvec[i] = SingleToFloat16(MathF.Max(Float16ToSingle(invec[i]), Float16ToSingle(inoutvec[i])));
        }
    }
}
