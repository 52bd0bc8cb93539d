using System.Runtime.InteropServices;

namespace SharpSpeed.Comm.Launch;

/// <summary>
/// What the launching machine is like: its cores, whether we are root, its environment, and util-linux's
/// <c>setpriv</c> (<see cref="Setpriv"/>, null when absent), which gives a process a parent-death signal before it
/// starts the real program: launch uses it so that neither mpirun nor a rank outlives the process that started it.
/// </summary>
public sealed record MachineFacts(int Cores, bool IsRoot, Func<string, string?> Variable, string? Setpriv = null)
{
    public static MachineFacts Current { get; } =
        new(Environment.ProcessorCount, OperatingSystem.IsLinux() && NativeMethods.geteuid() == 0, Environment.GetEnvironmentVariable,
            OperatingSystem.IsLinux() ? FindOnPath("setpriv") : null);

    /// <summary>The command that runs <paramref name="command"/> with SIGKILL as its parent-death signal.</summary>
    public IReadOnlyList<string> DyingWithParent(IReadOnlyList<string> command) =>
        Setpriv is null ? command : [Setpriv, "--pdeathsig", "KILL", "--", .. command];

    /// <summary>The first <paramref name="program"/> on PATH (or in /usr/bin), or null.</summary>
    public static string? FindOnPath(string program) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin")
            .Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Append("/usr/bin")
            .Select(directory => Path.Combine(directory, program))
            .FirstOrDefault(File.Exists);

    private static class NativeMethods
    {
        [DllImport("libc.so.6")]
        public static extern uint geteuid();
    }
}
