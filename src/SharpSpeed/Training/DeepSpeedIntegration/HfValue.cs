using System.Globalization;
using System.Text.Json;

namespace SharpSpeed.Training.DeepSpeedIntegration;

/// <summary>A training-argument value as HF writes it into a DeepSpeed config, compared and printed as HF does.</summary>
internal abstract record HfValue
{
    public abstract void Write(Utf8JsonWriter writer);

    /// <summary>Whether the file's value equals this one (HF compares the Python values: 1 == 1.0).</summary>
    public abstract bool Matches(JsonElement value);

    /// <summary>A file value in the same notation as <see cref="object.ToString"/> prints training arguments.</summary>
    public static string Describe(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.Number => value.TryGetInt64(out var whole) ? Format(whole) : Format(value.GetDouble()),
        JsonValueKind.True => "True",
        JsonValueKind.False => "False",
        JsonValueKind.Array => "[" + string.Join(", ", value.EnumerateArray().Select(Describe)) + "]",
        _ => value.GetRawText(),
    };

    private static string Format(long value) => value.ToString(CultureInfo.InvariantCulture);

    private static string Format(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static bool IsNumber(JsonElement value, double expected) =>
        value.ValueKind == JsonValueKind.Number && value.GetDouble() == expected;

    public sealed record Whole(long Value) : HfValue
    {
        public override void Write(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

        public override bool Matches(JsonElement value) =>
            value.ValueKind == JsonValueKind.Number && (value.TryGetInt64(out var whole) ? whole == Value : value.GetDouble() == Value);

        public override string ToString() => Format(Value);
    }

    public sealed record Real(double Value) : HfValue
    {
        public override void Write(Utf8JsonWriter writer) => writer.WriteNumberValue(Value);

        public override bool Matches(JsonElement value) => IsNumber(value, Value);

        public override string ToString() => Format(Value);
    }

    public sealed record Flag(bool Value) : HfValue
    {
        public override void Write(Utf8JsonWriter writer) => writer.WriteBooleanValue(Value);

        public override bool Matches(JsonElement value) =>
            value.ValueKind == (Value ? JsonValueKind.True : JsonValueKind.False);

        public override string ToString() => Value ? "True" : "False";
    }

    public sealed record Pair(double First, double Second) : HfValue
    {
        public override void Write(Utf8JsonWriter writer)
        {
            writer.WriteStartArray();
            writer.WriteNumberValue(First);
            writer.WriteNumberValue(Second);
            writer.WriteEndArray();
        }

        public override bool Matches(JsonElement value) =>
            value.ValueKind == JsonValueKind.Array && value.GetArrayLength() == 2
            && IsNumber(value[0], First) && IsNumber(value[1], Second);

        public override string ToString() => $"[{Format(First)}, {Format(Second)}]";
    }
}
