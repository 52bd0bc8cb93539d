using SharpSpeed.Training;

namespace SharpSpeed.Tests.Training;

public sealed class HostAllocatorTests
{
    [Fact]
    public void GlibcOnThisLinuxAcceptsBothSettings()
    {
        var line = HostAllocator.Configure();
        var tunedByEnvironment = (Environment.GetEnvironmentVariable("GLIBC_TUNABLES") ?? "").Contains("glibc.malloc.", StringComparison.Ordinal)
                                 || Environment.GetEnvironmentVariable("MALLOC_MMAP_THRESHOLD_") is not null
                                 || Environment.GetEnvironmentVariable("MALLOC_TRIM_THRESHOLD_") is not null;
        Assert.Equal(
            tunedByEnvironment
                ? "host allocator: glibc malloc as the environment sets it (GLIBC_TUNABLES / MALLOC_*_)"
                : "host allocator: glibc malloc, mmap threshold 32 MiB, trim threshold 1 GiB (a step reuses the last step's pages)",
            line);
    }
}
