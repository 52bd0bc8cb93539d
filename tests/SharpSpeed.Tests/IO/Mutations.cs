namespace SharpSpeed.Tests.IO;

/// <summary>Seeded byte-level mutations for fuzz tests: flips, random bytes, insertions, deletions, truncations.</summary>
internal static class Mutations
{
    public static byte[] Apply(byte[] original, Random random, int? limitToFirst = null)
    {
        var bytes = new List<byte>(original);
        var span = Math.Min(limitToFirst ?? bytes.Count, bytes.Count);
        var edits = 1 + random.Next(3);
        for (var e = 0; e < edits && bytes.Count > 0; e++)
        {
            var at = random.Next(Math.Min(span, bytes.Count));
            switch (random.Next(5))
            {
                case 0: bytes[at] ^= (byte)(1 << random.Next(8)); break;
                case 1: bytes[at] = (byte)random.Next(256); break;
                case 2: bytes.Insert(at, (byte)random.Next(256)); break;
                case 3: bytes.RemoveAt(at); break;
                default: bytes.RemoveRange(at, bytes.Count - at); break;
            }
        }
        return bytes.ToArray();
    }
}
