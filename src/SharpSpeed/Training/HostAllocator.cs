using System.Runtime.InteropServices;

namespace SharpSpeed.Training;

/// <summary>
/// How this process's host memory allocator is set for training, chosen by measurement.
/// <para>
/// libtorch takes CPU tensors from glibc's malloc. By default glibc moves its mmap threshold as blocks are freed and
/// trims freed memory back to the kernel. A training step then often maps fresh pages for tensors the size of the
/// previous step's, and pays a page fault per 4 KiB. Two settings fix this. The mmap threshold is pinned at the most
/// glibc accepts (32 MiB), and freed memory is kept up to 1 GiB (the trim threshold). Step tensors up to 32 MiB then
/// reuse the previous step's pages.
/// </para>
/// <para>
/// Measured (bench train, medium shape, 1 rank x 2 threads): 3,128-3,500 tokens/s by default and 3,876-3,888 with these
/// settings, at the same peak RSS (639-674 MiB). Setting only the trim threshold (which also stops the threshold
/// moving, at 128 KiB) gave 910-919 tokens/s, so both are set or neither. A user's own GLIBC_TUNABLES malloc settings
/// or MALLOC_*_ variables are respected.
/// </para>
/// </summary>
public static partial class HostAllocator
{
    private const int TrimThresholdParameter = -1;
    private const int MmapThresholdParameter = -3;
    private const int MmapThreshold = 32 << 20;
    private const int TrimThreshold = 1 << 30;

    /// <summary>Applies the settings (again is harmless); returns the line that says what is in use.</summary>
    public static string Configure()
    {
        if (!OperatingSystem.IsLinux())
        {
            return "host allocator: the platform's default";
        }
        if ((Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal)
            || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
            || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null)
        {
            return "host allocator: glibc malloc as the environment sets it (GLIBC_TUNABLES / MALLOC_*_)";
        }
        try
        {
            if (SetOption(MmapThresholdParameter, MmapThreshold) == 1 && SetOption(TrimThresholdParameter, TrimThreshold) == 1)
            {
                return "host allocator: glibc malloc, mmap threshold 32 MiB, trim threshold 1 GiB (a step reuses the last step's pages)";
            }
            return "host allocator: glibc malloc refused the settings; its defaults are in use";
        }
        catch (Exception e) when (e is EntryPointNotFoundException or DllNotFoundException)
        {
            return "host allocator: not glibc; the C library's default is in use";
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int SetOption(int parameter, int value);
}
