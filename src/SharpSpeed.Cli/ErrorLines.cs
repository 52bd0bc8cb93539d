using System.Runtime.InteropServices;

namespace SharpSpeed.Cli;

/// <summary>
/// Every failure reaches the user as one line: libtorch's errors arrive with a native frame dump in their message,
/// of which only the first line (what libtorch objected to) is kept. SHARPSPEED_DEBUG=1 adds the full exception.
/// </summary>
internal static class ErrorLines
{
    public const string DebugVariable = "SHARPSPEED_DEBUG";

    public static bool Debugging => Environment.GetEnvironmentVariable(DebugVariable) == "1";

    /// <summary>The one line for <paramref name="failure"/>.</summary>
    public static string Describe(Exception failure)
    {
        ArgumentNullException.ThrowIfNull(failure);
        var first = FirstLine(failure.Message);
        return failure is ExternalException
            ? $"libtorch refused an operation: {first}{(Debugging ? "" : $" ({DebugVariable}=1 shows libtorch's trace)")}"
            : first;
    }

    /// <summary>Writes the line (and, when debugging, the whole exception) to <paramref name="error"/>.</summary>
    public static void Write(TextWriter error, string prefix, Exception failure)
    {
        ArgumentNullException.ThrowIfNull(error);
        error.WriteLine($"{prefix}: {Describe(failure)}");
        if (Debugging)
        {
            error.WriteLine(failure);
        }
    }

    private static string FirstLine(string message)
    {
        var end = message.AsSpan().IndexOfAny('\r', '\n');
        return (end < 0 ? message : message[..end]).Trim();
    }
}
