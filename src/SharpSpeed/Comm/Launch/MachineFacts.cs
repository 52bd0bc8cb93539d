using System.Runtime.InteropServices;

namespace SharpSpeed.Comm.Launch;

/// <summary>What the launching machine is like: its cores, whether we are root, and its environment.</summary>
public sealed record MachineFacts(int Cores, bool IsRoot, Func<string, string?> Variable)
{
    public static MachineFacts Current { get; } =
        new(Environment.ProcessorCount, OperatingSystem.IsLinux() && NativeMethods.geteuid() == 0, Environment.GetEnvironmentVariable);

    private static class NativeMethods
    {
        [DllImport("libc.so.6")]
        public static extern uint geteuid();
    }
}
