using System.Globalization;
using System.Runtime.InteropServices;

namespace SharpSpeed.Training;

/// <summary>
/// How long libtorch's OpenMP worker threads wait, spinning, for the next operation before they sleep; chosen by
/// measurement and reported once.
/// <para>
/// libtorch runs its element-wise kernels and its bundled oneMKL GEMMs on one GNU OpenMP pool. A training step is
/// hundreds of short parallel regions back to back. Workers that sleep at once (OMP_WAIT_POLICY=PASSIVE, what launch
/// used to set) are woken through the kernel for every one; workers that spin forever (ACTIVE) burn the cores that
/// other ranks and the communication thread need. A bounded spin (GOMP_SPINCOUNT iterations, tens of microseconds)
/// keeps the pool warm between a step's operations and lets it sleep through anything longer.
/// </para>
/// <para>
/// Measured (bench train, 1 rank x 2 threads, three interleaved runs each): tiny 16,950-17,460 tokens/s with PASSIVE
/// against 20,350-20,760 with 10,000 spins (2,000 to 200,000 spins all gave 20,200-21,000); medium 4,364-4,368 against
/// 4,475-4,521. libgomp reads the setting once, when libtorch loads, so <see cref="Configure"/> must run before the
/// process's first TorchSharp call. A user's own OMP_WAIT_POLICY or GOMP_SPINCOUNT wins.
/// </para>
/// </summary>
public static partial class OpenMpWaiting
{
    private const int SpinCount = 10_000;
    private const string SpinCountVariable = "GOMP_SPINCOUNT";
    private const string WaitPolicyVariable = "OMP_WAIT_POLICY";
    private static string? _line;

    /// <summary>Sets the bounded spin unless the environment already decides; call before libtorch loads.</summary>
    public static void Configure()
    {
        var chosen = new[] { WaitPolicyVariable, SpinCountVariable }
            .Select(name => (Name: name, Value: Environment.GetEnvironmentVariable(name)))
            .Where(variable => variable.Value is not null)
            .Select(variable => $"{variable.Name}={variable.Value}")
            .ToList();
        if (chosen.Count > 0)
        {
            _line = $"OpenMP waiting: as the environment sets it ({string.Join(", ", chosen)})";
            return;
        }
        var spins = SpinCount.ToString(CultureInfo.InvariantCulture);
        if (!OperatingSystem.IsLinux() || SetNativeVariable(SpinCountVariable, spins, overwrite: 0) != 0)
        {
            _line = "OpenMP waiting: libgomp's defaults (the bounded spin could not be set on this platform)";
            return;
        }
        _line = string.Create(CultureInfo.InvariantCulture,
            $"OpenMP waiting: workers spin {SpinCount:N0} iterations for the next operation, then sleep (GOMP_SPINCOUNT; OMP_WAIT_POLICY or GOMP_SPINCOUNT override)");
    }

    /// <summary>The line that says how OpenMP workers wait in this process.</summary>
    public static string Describe() =>
        _line ?? "OpenMP waiting: libgomp's defaults (this process did not set them before libtorch loaded)";

    // .NET keeps its own copy of the environment; libgomp reads the C library's, so the variable is set there.
    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int SetNativeVariable(string name, string value, int overwrite);
}
