using System.Globalization;
using System.Text.Json;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// One JSON object of a DeepSpeed config, read key by key. Every key asked for is remembered (present or not), so that
/// <see cref="CheckUnknownKeys"/> knows the section's vocabulary: a key nobody asked for is either a near-miss of a known
/// key (an error naming both) or unknown (a warning, or an error where DeepSpeed itself refuses extra keys).
/// Errors name the file and the key path; notices and warnings go to <see cref="Notes"/>, shared by the whole file.
/// </summary>
internal sealed class ConfigSection
{
    private readonly Dictionary<string, JsonElement> _values = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);

    public ConfigSection(string file, string path, JsonElement element, List<string>? notes = null)
    {
        File = file;
        Path = path;
        Notes = notes ?? [];
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new DeepSpeedConfigException(
                path.Length == 0 ? $"{file}: the top level must be a JSON object" : $"{file}: \"{path}\" must be a JSON object");
        }
        foreach (var property in element.EnumerateObject())
        {
            if (!_values.TryAdd(property.Name, property.Value))
            {
                throw Error(property.Name, "appears twice");
            }
            _order.Add(property.Name);
        }
    }

    /// <summary>An absent optional section, read as if it were <c>{}</c>.</summary>
    public static ConfigSection Empty(string file, string path)
    {
        using var document = JsonDocument.Parse("{}");
        return new ConfigSection(file, path, document.RootElement.Clone());
    }

    public string File { get; }

    /// <summary>One line per key that has no effect and per unknown key, in file order, for the run's start.</summary>
    public List<string> Notes { get; }

    public string Path { get; }

    public bool IsEmpty => _values.Count == 0;

    public string KeyPath(string key) => Path.Length == 0 ? key : $"{Path}.{key}";

    public DeepSpeedConfigException Error(string key, string message) => new($"{File}: \"{KeyPath(key)}\" {message}");

    /// <summary>The error for a DeepSpeed setting we recognise but do not run: never silently ignored.</summary>
    public DeepSpeedConfigException NotImplemented(string key, string what) =>
        Error(key, $"is a DeepSpeed setting SharpSpeed knows but does not implement yet ({what}); remove it or turn it off");

    public bool Contains(string key) => _values.ContainsKey(key);

    /// <summary>A DeepSpeed key SharpSpeed accepts but does not act on: one line says so when the file has it.</summary>
    public void NoEffect(string key, string reason)
    {
        _read.Add(key);
        if (_values.ContainsKey(key))
        {
            Notes.Add($"{KeyPath(key)}: no effect in SharpSpeed ({reason})");
        }
    }

    public bool Has(string key) => _values.TryGetValue(key, out var value) && value.ValueKind != JsonValueKind.Null;

    public double? Double(string key)
    {
        if (!TryTake(key, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Number || !value.TryGetDouble(out var number) || !double.IsFinite(number))
        {
            throw Error(key, $"must be a number, not {Describe(value)}");
        }
        return number;
    }

    /// <summary>An integer; whole-valued JSON numbers such as 2e8 are accepted, as DeepSpeed's pydantic models do.</summary>
    public long? Integer(string key)
    {
        var number = Double(key);
        if (number is null)
        {
            return null;
        }
        if (number.Value != Math.Floor(number.Value) || Math.Abs(number.Value) > 9.0e15)
        {
            throw Error(key, $"must be a whole number, not {number.Value.ToString(CultureInfo.InvariantCulture)}");
        }
        return (long)number.Value;
    }

    public int? Int32(string key)
    {
        var number = Integer(key);
        if (number is null)
        {
            return null;
        }
        return number.Value is >= int.MinValue and <= int.MaxValue
            ? (int)number.Value
            : throw Error(key, $"is too large ({number.Value})");
    }

    public bool? Bool(string key)
    {
        if (!TryTake(key, out var value))
        {
            return null;
        }
        return value.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => throw Error(key, $"must be true or false, not {Describe(value)}"),
        };
    }

    public string? String(string key)
    {
        if (!TryTake(key, out var value))
        {
            return null;
        }
        return value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : throw Error(key, $"must be a string, not {Describe(value)}");
    }

    public double[]? Numbers(string key)
    {
        if (!TryTake(key, out var value))
        {
            return null;
        }
        if (value.ValueKind != JsonValueKind.Array)
        {
            throw Error(key, $"must be a list of numbers, not {Describe(value)}");
        }
        var numbers = new List<double>();
        foreach (var item in value.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Number || !item.TryGetDouble(out var number) || !double.IsFinite(number))
            {
                throw Error(key, $"must be a list of numbers, but holds {Describe(item)}");
            }
            numbers.Add(number);
        }
        return [.. numbers];
    }

    public ConfigSection? Section(string key) =>
        TryTake(key, out var value) ? new ConfigSection(File, KeyPath(key), value, Notes) : null;

    /// <summary>Marks a key as read without interpreting it (a setting that only matters where we refuse to run).</summary>
    public void Ignore(string key) => _read.Add(key);

    /// <summary>
    /// Refuses, before anything is read, a key that is not in <paramref name="known"/> but is a small edit away from
    /// one: a misspelt section would otherwise first surface as a confusing consequence of its absence.
    /// </summary>
    public void RejectMisspellings(IReadOnlyCollection<string> known)
    {
        foreach (var key in _order.Where(k => !known.Contains(k)))
        {
            if (KeySpelling.ClosestKnown(key, known) is { } near)
            {
                throw Misspelt(key, near);
            }
        }
    }

    private DeepSpeedConfigException Misspelt(string key, string near) =>
        new($"{File}: \"{KeyPath(key)}\" is not a DeepSpeed key; did you mean \"{KeyPath(near)}\"?");

    /// <summary>
    /// Every key nobody asked for: a small edit away from a known one (this section's, or <paramref name="alsoKnown"/>)
    /// is an error naming both; otherwise an error when <paramref name="strict"/> (DeepSpeed's own pydantic sections and
    /// constructor arguments refuse extra keys), else a warning line (DeepSpeed ignores unknown keys there).
    /// </summary>
    public void CheckUnknownKeys(bool strict = false, IEnumerable<string>? alsoKnown = null)
    {
        var known = alsoKnown is null ? _read : _read.Concat(alsoKnown).ToHashSet(StringComparer.Ordinal);
        foreach (var key in _order)
        {
            if (_read.Contains(key))
            {
                continue;
            }
            if (KeySpelling.ClosestKnown(key, known) is { } near)
            {
                throw Misspelt(key, near);
            }
            if (strict)
            {
                throw new DeepSpeedConfigException($"{File}: unknown key \"{KeyPath(key)}\"");
            }
            Notes.Add($"{KeyPath(key)}: unknown key, ignored (not a DeepSpeed setting; DeepSpeed ignores it too)");
        }
    }

    private bool TryTake(string key, out JsonElement value)
    {
        _read.Add(key);
        if (!_values.TryGetValue(key, out value) || value.ValueKind == JsonValueKind.Null)
        {
            return false;
        }
        if (value.ValueKind == JsonValueKind.String && value.GetString() == "auto")
        {
            throw Error(key, "is \"auto\", and nothing fills it here (a trainer fills HF's \"auto\" keys from its arguments); give a value");
        }
        return true;
    }

    private static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => $"\"{value.GetString()}\"",
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "a list",
        _ => value.GetRawText(),
    };
}
