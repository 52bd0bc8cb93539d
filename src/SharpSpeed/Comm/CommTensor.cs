using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace SharpSpeed.Comm;

/// <summary>
/// What a collective needs to know about a tensor: its data pointer, element count and type. The tensors must be
/// contiguous and of a type the backends reduce (fp32, bf16, fp16, int64).
/// </summary>
internal readonly record struct CommTensor(IntPtr Data, long Count, ScalarType Type, int ElementSize)
{
    public static CommTensor Of(Tensor tensor, string operation, string role)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        if (!tensor.is_contiguous())
        {
            throw new ArgumentException(
                $"{operation}: the {role} tensor (shape [{string.Join(", ", tensor.shape)}]) is not contiguous; " +
                "collectives work in place on contiguous tensors (call .contiguous() first)");
        }
        var type = tensor.dtype;
        if (type is not (ScalarType.Float32 or ScalarType.BFloat16 or ScalarType.Float16 or ScalarType.Int64))
        {
            throw new ArgumentException(
                $"{operation}: the {role} tensor has dtype {type}; collectives support float32, bfloat16, float16 and int64");
        }
        return new CommTensor(DataPointer(tensor), tensor.numel(), type, (int)tensor.element_size());
    }

    public long Bytes => Count * ElementSize;

    public IntPtr ElementAt(long index) => Data + checked((nint)(index * ElementSize));

    /// <summary>
    /// The address of the tensor's first element (storage offset included), on any device. TorchSharp exposes no
    /// typeless data pointer, so this asks LibTorchSharp (already loaded by TorchSharp) for at::Tensor::data_ptr.
    /// </summary>
    private static IntPtr DataPointer(Tensor tensor)
    {
        if (tensor.numel() == 0)
        {
            return IntPtr.Zero;
        }
        var data = LibTorchSharp.TensorData(tensor.Handle);
        if (data == IntPtr.Zero)
        {
            throw new InvalidOperationException("libtorch returned no data pointer for a non-empty tensor");
        }
        return data;
    }

    private static unsafe class LibTorchSharp
    {
        private static readonly delegate* unmanaged<IntPtr, IntPtr> THSTensorData = Resolve();

        public static IntPtr TensorData(IntPtr handle) => THSTensorData(handle);

        private static delegate* unmanaged<IntPtr, IntPtr> Resolve()
        {
            // Touching torch first makes TorchSharp load (and, on Debian 12, patch-load) its native library.
            _ = torch.get_default_dtype();
            var library = NativeLibrary.Load("LibTorchSharp", typeof(torch).Assembly, null);
            return (delegate* unmanaged<IntPtr, IntPtr>)NativeLibrary.GetExport(library, "THSTensor_data");
        }
    }
}
