using System.Globalization;

namespace SharpSpeed.Engine.Config;

/// <summary>
/// HF's fill_match for DeepSpeed configs: an <c>"auto"</c> value takes the trainer's value; any other value is kept,
/// and when it differs from a trainer value the user gave, the difference is collected and reported as HF does.
/// </summary>
internal sealed class AutoValueFiller(HfTrainingValues? trainer)
{
    private readonly List<string> _mismatches = [];

    public HfTrainingValues? Trainer { get; } = trainer;

    public double? Double(ConfigSection section, string key, Func<HfTrainingValues, double> hfValue, string hfName, bool mustMatch = true) =>
        Fill(section, key, hfValue, hfName, mustMatch, section.Double, (a, b) => a == b, Format);

    public long? Integer(ConfigSection section, string key, Func<HfTrainingValues, long> hfValue, string hfName, bool mustMatch = true) =>
        Fill(section, key, hfValue, hfName, mustMatch, section.Integer, (a, b) => a == b,
            v => v.ToString(CultureInfo.InvariantCulture));

    public bool? Bool(ConfigSection section, string key, Func<HfTrainingValues, bool> hfValue, string hfName) =>
        Fill(section, key, hfValue, hfName, true, section.Bool, (a, b) => a == b, v => v ? "True" : "False");

    public double[]? Numbers(ConfigSection section, string key, Func<HfTrainingValues, double[]> hfValue, string hfName) =>
        FillReference(section, key, hfValue, hfName, true, section.Numbers, (a, b) => a.SequenceEqual(b),
            v => "[" + string.Join(", ", v.Select(Format)) + "]");

    /// <summary>Throws HF's error listing every DeepSpeed value that contradicts a given trainer argument.</summary>
    public void ThrowOnMismatches(string file)
    {
        if (_mismatches.Count > 0)
        {
            throw new DeepSpeedConfigException(
                $"{file}: values that mismatch the training arguments: {string.Join("; ", _mismatches)} " +
                "(the easiest fix is to set these DeepSpeed values to \"auto\")");
        }
    }

    private T? Fill<T>(ConfigSection section, string key, Func<HfTrainingValues, T> hfValue, string hfName, bool mustMatch,
        Func<string, T?> read, Func<T, T, bool> equal, Func<T, string> format)
        where T : struct
    {
        if (TryAuto(section, key, hfValue, out var filled))
        {
            return filled;
        }
        var value = read(key);
        if (value is not null)
        {
            Check(section, key, value.Value, hfValue, hfName, mustMatch, equal, format);
        }
        return value;
    }

    private T? FillReference<T>(ConfigSection section, string key, Func<HfTrainingValues, T> hfValue, string hfName, bool mustMatch,
        Func<string, T?> read, Func<T, T, bool> equal, Func<T, string> format)
        where T : class
    {
        if (TryAuto(section, key, hfValue, out var filled))
        {
            return filled;
        }
        var value = read(key);
        if (value is not null)
        {
            Check(section, key, value, hfValue, hfName, mustMatch, equal, format);
        }
        return value;
    }

    private bool TryAuto<T>(ConfigSection section, string key, Func<HfTrainingValues, T> hfValue, out T filled)
    {
        filled = default!;
        if (!section.IsAuto(key))
        {
            return false;
        }
        section.MarkRead(key);
        if (Trainer is null)
        {
            throw section.Error(key, "is \"auto\", but no training arguments were given to fill it");
        }
        filled = hfValue(Trainer);
        return true;
    }

    private void Check<T>(ConfigSection section, string key, T value, Func<HfTrainingValues, T> hfValue, string hfName,
        bool mustMatch, Func<T, T, bool> equal, Func<T, string> format)
    {
        if (!mustMatch || Trainer is null || !Trainer.WasGiven(hfName))
        {
            return;
        }
        var expected = hfValue(Trainer);
        if (!equal(value, expected))
        {
            _mismatches.Add($"ds {section.KeyPath(key)}={format(value)} vs hf {hfName}={format(expected)}");
        }
    }

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);
}
