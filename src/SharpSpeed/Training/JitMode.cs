namespace SharpSpeed.Training;

/// <summary>
/// How .NET compiles this process's managed code, chosen by measurement and reported once.
/// <para>
/// .NET's default, tiered compilation, first runs each method unoptimised, counts its calls, and recompiles hot ones
/// on a background thread. A training step calls thousands of small TorchSharp wrappers, so for the first few
/// hundred steps it runs slow code while that thread takes a core from libtorch. The <c>sharpspeed</c> executable
/// turns tiering off (<c>TieredCompilation</c> false in its runtimeconfig): each method is compiled optimised on its
/// first call, at about 80 ms more start-up.
/// </para>
/// <para>
/// Measured (bench train, tiny shape, 1 rank x 2 threads, four interleaved runs each): 14,300-14,700 tokens/s tiered
/// against 16,600-16,800 with tiering off after 3 warm-up steps, and 15,100-15,700 against 16,300-16,500 after 40.
/// </para>
/// </summary>
public static class JitMode
{
    private const string TieredCompilationProperty = "System.Runtime.TieredCompilation";

    /// <summary>The line that says which compilation mode this process runs under.</summary>
    public static string Describe()
    {
        foreach (var variable in (string[])["DOTNET_TieredCompilation", "COMPlus_TieredCompilation"])
        {
            if (Environment.GetEnvironmentVariable(variable) is { } value)
            {
                return $"jit: as the environment sets it ({variable}={value})";
            }
        }
        var configured = Convert.ToString(AppContext.GetData(TieredCompilationProperty), System.Globalization.CultureInfo.InvariantCulture);
        return string.Equals(configured, "false", StringComparison.OrdinalIgnoreCase)
            ? "jit: each method optimised on its first call (tiered compilation off: no slow first steps, no background recompiles)"
            : "jit: .NET's tiered compilation (the first steps run unoptimised code; the sharpspeed executable turns it off)";
    }
}
