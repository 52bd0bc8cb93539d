using System.Globalization;

namespace SharpSpeed.Training;

/// <summary>
/// Resident memory of this process from /proc/self/status (Linux): the activation peak of a CPU run is measured as
/// the high-water mark (VmHWM) above the resident size before the first step, since TorchSharp has no allocator statistics.
/// </summary>
public static class ProcessMemory
{
    public static long ResidentBytes() => Read("VmRSS:");

    public static long PeakResidentBytes() => Read("VmHWM:");

    private static long Read(string key)
    {
        const string status = "/proc/self/status";
        if (!File.Exists(status))
        {
            return 0;
        }
        foreach (var line in File.ReadLines(status))
        {
            if (line.StartsWith(key, StringComparison.Ordinal))
            {
                var kilobytes = line[key.Length..].Trim().Split(' ')[0];
                return long.Parse(kilobytes, CultureInfo.InvariantCulture) * 1024;
            }
        }
        return 0;
    }
}
