using System.Text.Json;

namespace SharpSpeed.Training.Reporting;

/// <summary>Appends one JSON object per logged step to output_dir/metrics.jsonl, flushed at once.</summary>
public sealed class MetricsLog : IDisposable
{
    private readonly StreamWriter _writer;

    public MetricsLog(string path, bool append)
    {
        Path = path;
        _writer = new StreamWriter(path, append) { AutoFlush = true };
    }

    public string Path { get; }

    public void Write(StepMetrics metrics) => _writer.WriteLine(JsonSerializer.Serialize(metrics));

    public void Dispose() => _writer.Dispose();

    public static IReadOnlyList<StepMetrics> Read(string path) =>
        File.ReadLines(path)
            .Where(line => line.Length > 0)
            .Select((line, index) => JsonSerializer.Deserialize<StepMetrics>(line)
                                     ?? throw new InvalidDataException($"{path}:{index + 1}: empty metrics record"))
            .ToList();
}
