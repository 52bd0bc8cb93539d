using System.Globalization;

namespace SharpSpeed.Comm.Launch;

/// <summary>One node of a hostfile and how many ranks it may run.</summary>
public sealed record HostSlots(string Host, int? Slots);

/// <summary>
/// Reads a DeepSpeed / OpenMPI hostfile: one `hostname [slots=N]` per line, `#` comments, blank lines ignored.
/// </summary>
public static class Hostfile
{
    public static IReadOnlyList<HostSlots> Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"hostfile {path} does not exist", path);
        }
        var hosts = new List<HostSlots>();
        var lineNumber = 0;
        foreach (var rawLine in File.ReadLines(path))
        {
            lineNumber++;
            var line = rawLine.Split('#', 2)[0].Trim();
            if (line.Length == 0)
            {
                continue;
            }
            var fields = line.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            int? slots = null;
            foreach (var field in fields.Skip(1))
            {
                if (!field.StartsWith("slots=", StringComparison.Ordinal) ||
                    !int.TryParse(field["slots=".Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ||
                    value < 1)
                {
                    throw new FormatException(
                        $"hostfile {path} line {lineNumber}: '{field}' is not slots=N with N >= 1 (expected `hostname slots=N`)");
                }
                slots = value;
            }
            if (hosts.Any(h => h.Host == fields[0]))
            {
                throw new FormatException($"hostfile {path} line {lineNumber}: host {fields[0]} is listed twice");
            }
            hosts.Add(new HostSlots(fields[0], slots));
        }
        return hosts.Count > 0 ? hosts : throw new FormatException($"hostfile {path} lists no hosts");
    }
}
