namespace SharpSpeed.IO.Gguf;

/// <summary>
/// One typed GGUF metadata value. Scalars hold their .NET value (uint, int, float, bool, string, ...);
/// arrays hold a .NET array of the element type, with <see cref="ElementType"/> naming the GGUF element type.
/// </summary>
public sealed record GgufValue
{
    private GgufValue(GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8)
    {
        Type = type;
        Value = value;
        ElementType = elementType;
    }

    public GgufValueType Type { get; }
    public object Value { get; }
    /// <summary>The element type of an array value; meaningless for scalars.</summary>
    public GgufValueType ElementType { get; }

    public static GgufValue Of(string value) => new(GgufValueType.String, value);
    public static GgufValue Of(uint value) => new(GgufValueType.UInt32, value);
    public static GgufValue Of(int value) => new(GgufValueType.Int32, value);
    public static GgufValue Of(float value) => new(GgufValueType.Float32, value);
    public static GgufValue Of(bool value) => new(GgufValueType.Bool, value);
    public static GgufValue Of(ulong value) => new(GgufValueType.UInt64, value);
    public static GgufValue Of(string[] values) => new(GgufValueType.Array, values, GgufValueType.String);
    public static GgufValue Of(int[] values) => new(GgufValueType.Array, values, GgufValueType.Int32);
    public static GgufValue Of(float[] values) => new(GgufValueType.Array, values, GgufValueType.Float32);

    /// <summary>A value read from a file, whose .NET type the reader matched to <paramref name="type"/>.</summary>
    internal static GgufValue Read(GgufValueType type, object value, GgufValueType elementType = GgufValueType.UInt8) =>
        new(type, value, elementType);

    public string AsString() => Value as string ?? throw Mismatch("string");
    public string[] AsStrings() => Value as string[] ?? throw Mismatch("string array");
    public int[] AsInt32s() => Value as int[] ?? throw Mismatch("int32 array");
    public float[] AsFloat32s() => Value as float[] ?? throw Mismatch("float32 array");

    /// <summary>Any integer scalar as a long (GGUF writers differ in which integer width they pick).</summary>
    public long AsInteger() => Value switch
    {
        byte v => v, sbyte v => v, ushort v => v, short v => v, uint v => v, int v => v, long v => v,
        ulong v when v <= long.MaxValue => (long)v,
        _ => throw Mismatch("integer"),
    };

    public double AsFloat() => Value switch
    {
        float v => v, double v => v,
        _ => throw Mismatch("float"),
    };

    public bool AsBool() => Value is bool b ? b : throw Mismatch("bool");

    private InvalidDataException Mismatch(string wanted) =>
        new($"GGUF value of type {Type}{(Type == GgufValueType.Array ? $" of {ElementType}" : "")} is not a {wanted}");
}
