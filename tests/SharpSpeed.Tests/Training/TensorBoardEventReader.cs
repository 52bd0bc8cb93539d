using System.Buffers.Binary;
using System.Text;

namespace SharpSpeed.Tests.Training;

/// <summary>
/// An independent reader of TensorBoard event files, written from the formats' specifications: TFRecord framing
/// (u64 length, masked CRC-32C of the length, data, masked CRC-32C of the data; both CRCs verified) and the Event /
/// Summary protobufs decoded field by field (Event: 1 wall_time double, 2 step int64, 3 file_version string,
/// 5 summary; Summary: 1 value; Value: 1 tag string, 2 simple_value float).
/// </summary>
internal static class TensorBoardEventReader
{
    public sealed record Scalar(string Tag, long Step, float Value, double WallTime);

    public sealed record EventFile(string FileVersion, IReadOnlyList<Scalar> Scalars);

    public static EventFile Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var offset = 0;
        string? version = null;
        var scalars = new List<Scalar>();
        while (offset < bytes.Length)
        {
            var header = bytes.AsSpan(offset, 8);
            var length = checked((int)BinaryPrimitives.ReadUInt64LittleEndian(header));
            var lengthCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 8, 4));
            if (lengthCrc != MaskedCrc32C(header))
            {
                throw new InvalidDataException($"{path}: length CRC mismatch at byte {offset}");
            }
            var data = bytes.AsSpan(offset + 12, length);
            var dataCrc = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(offset + 12 + length, 4));
            if (dataCrc != MaskedCrc32C(data))
            {
                throw new InvalidDataException($"{path}: data CRC mismatch at byte {offset}");
            }
            ReadEvent(data, ref version, scalars);
            offset += 12 + length + 4;
        }
        return new EventFile(version ?? throw new InvalidDataException($"{path}: no file_version event first"), scalars);
    }

    private static void ReadEvent(ReadOnlySpan<byte> data, ref string? version, List<Scalar> scalars)
    {
        double wallTime = 0;
        long step = 0;
        var values = new List<(string Tag, float Value)>();
        foreach (var (field, wire, number, payload) in Fields(data))
        {
            switch (field, wire)
            {
                case (1, 1): wallTime = BitConverter.Int64BitsToDouble((long)number); break;
                case (2, 0): step = (long)number; break;
                case (3, 2): version = Encoding.UTF8.GetString(payload); break;
                case (5, 2): values.AddRange(ReadSummary(payload)); break;
            }
        }
        scalars.AddRange(values.Select(v => new Scalar(v.Tag, step, v.Value, wallTime)));
    }

    private static List<(string, float)> ReadSummary(byte[] summary)
    {
        var values = new List<(string, float)>();
        foreach (var (field, wire, _, payload) in Fields(summary))
        {
            if ((field, wire) != (1, 2))
            {
                continue;
            }
            string? tag = null;
            float? simple = null;
            foreach (var (f, w, n, p) in Fields(payload))
            {
                if ((f, w) == (1, 2))
                {
                    tag = Encoding.UTF8.GetString(p);
                }
                else if ((f, w) == (2, 5))
                {
                    simple = BitConverter.Int32BitsToSingle((int)n);
                }
            }
            if (tag is not null && simple is not null)
            {
                values.Add((tag, simple.Value));
            }
        }
        return values;
    }

    /// <summary>Protobuf fields: varint (0), 64-bit (1), length-delimited (2), 32-bit (5).</summary>
    private static List<(int Field, int Wire, ulong Number, byte[] Payload)> Fields(ReadOnlySpan<byte> data)
    {
        var fields = new List<(int, int, ulong, byte[])>();
        var i = 0;
        while (i < data.Length)
        {
            var key = Varint(data, ref i);
            var wire = (int)(key & 7);
            var field = (int)(key >> 3);
            switch (wire)
            {
                case 0:
                    fields.Add((field, wire, Varint(data, ref i), []));
                    break;
                case 1:
                    fields.Add((field, wire, BinaryPrimitives.ReadUInt64LittleEndian(data[i..]), []));
                    i += 8;
                    break;
                case 2:
                    var length = (int)Varint(data, ref i);
                    fields.Add((field, wire, 0, data.Slice(i, length).ToArray()));
                    i += length;
                    break;
                case 5:
                    fields.Add((field, wire, BinaryPrimitives.ReadUInt32LittleEndian(data[i..]), []));
                    i += 4;
                    break;
                default:
                    throw new InvalidDataException($"protobuf wire type {wire} at byte {i}");
            }
        }
        return fields;
    }

    private static ulong Varint(ReadOnlySpan<byte> data, ref int i)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = data[i++];
            value |= (ulong)(b & 0x7F) << shift;
            if (b < 0x80)
            {
                return value;
            }
        }
    }

    /// <summary>TFRecord's mask of CRC-32C (Castagnoli, reflected polynomial 0x82F63B78): rotate right 15, add 0xa282ead8.</summary>
    public static uint MaskedCrc32C(ReadOnlySpan<byte> data)
    {
        var crc = 0xFFFFFFFFu;
        foreach (var b in data)
        {
            crc ^= b;
            for (var k = 0; k < 8; k++)
            {
                crc = (crc & 1) != 0 ? (crc >> 1) ^ 0x82F63B78u : crc >> 1;
            }
        }
        crc ^= 0xFFFFFFFFu;
        return unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u);
    }
}
