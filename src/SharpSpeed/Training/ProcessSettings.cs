namespace SharpSpeed.Training;

/// <summary>
/// The process-wide settings around libtorch that training and benchmarks rely on, each chosen by measurement:
/// <see cref="HostAllocator"/> (applied here), <see cref="JitMode"/> (the executable's runtimeconfig) and
/// <see cref="OpenMpWaiting"/> (set in Program.cs before libtorch loads).
/// </summary>
public static class ProcessSettings
{
    /// <summary>Applies what can still be applied and returns one line per setting, to be printed once.</summary>
    public static IReadOnlyList<string> Apply() => [HostAllocator.Configure(), JitMode.Describe(), OpenMpWaiting.Describe()];
}
