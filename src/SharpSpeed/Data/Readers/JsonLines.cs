using System.Text.Json;

namespace SharpSpeed.Data.Readers;

/// <summary>One parsed line of a JSON Lines file; <see cref="Root"/> is valid only until the next line is read.</summary>
public readonly record struct JsonLine(string File, long LineNumber, JsonElement Root)
{
    public InvalidRecordException Invalid(string reason) => new(File, LineNumber, reason);
}

/// <summary>Reads JSON Lines (optionally gzip): blank lines are ignored, a malformed line is a "file:line" error.</summary>
public static class JsonLines
{
    public static IEnumerable<JsonLine> Read(string path, RecordIssues issues)
    {
        ArgumentNullException.ThrowIfNull(issues);
        using var stream = DataFile.OpenRead(path);
        foreach (var (lineNumber, line) in Utf8Lines.Read(stream))
        {
            if (IsBlank(line))
            {
                continue;
            }
            if (new RawLine(lineNumber, line).FirstInvalidUtf8() is { } offset)
            {
                issues.Report(new InvalidRecordException(path, lineNumber, $"not valid UTF-8 (at byte {offset} of the line)"));
                continue;
            }
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException e)
            {
                issues.Report(new InvalidRecordException(path, lineNumber, $"malformed JSON: {e.Message}"));
                continue;
            }
            using (document)
            {
                if (document.RootElement.ValueKind != JsonValueKind.Object)
                {
                    issues.Report(new InvalidRecordException(
                        path, lineNumber, $"expected a JSON object, got {document.RootElement.ValueKind}"));
                    continue;
                }
                yield return new JsonLine(path, lineNumber, document.RootElement);
            }
        }
    }

    /// <summary>The top-level keys of the first non-blank, well-formed line (for format detection); empty if none.</summary>
    public static IReadOnlySet<string> FirstObjectKeys(string path)
    {
        using var stream = DataFile.OpenRead(path);
        foreach (var (_, line) in Utf8Lines.Read(stream).Take(100))
        {
            if (IsBlank(line))
            {
                continue;
            }
            try
            {
                using var document = JsonDocument.Parse(line);
                if (document.RootElement.ValueKind == JsonValueKind.Object)
                {
                    return document.RootElement.EnumerateObject().Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
                }
            }
            catch (JsonException)
            {
                // Detection looks past malformed lines; the reader itself reports them with their line number.
            }
        }
        return new HashSet<string>();
    }

    private static bool IsBlank(byte[] line) => line.AsSpan().IndexOfAnyExcept(" \t\r\f\v"u8) < 0;
}
