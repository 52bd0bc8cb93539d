using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;

namespace SharpSpeed.Data.Oasst;

/// <summary>
/// Deterministic train/validation split per tree: SHA-256 of the tree id, read as a fraction in [0, 1), below
/// the validation fraction means validation. All threads of a tree land in the same split (as Open-Assistant
/// splits on trees), and the split does not depend on file order, machine or run.
/// </summary>
public static class TreeSplit
{
    public static double Position(string treeId)
    {
        ArgumentNullException.ThrowIfNull(treeId);
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(treeId), hash);
        return (BinaryPrimitives.ReadUInt64BigEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }

    public static bool IsValidation(string treeId, double validationFraction) => Position(treeId) < validationFraction;
}
