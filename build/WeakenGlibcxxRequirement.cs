// MSBuild task (compiled by RoslynCodeTaskFactory, see SharpSpeed.targets).
// TorchSharp's libLibTorchSharp.so is linked against GCC 13's libstdc++ and so demands GLIBCXX_3.4.32,
// yet the only symbol it takes from that version (std::ios_base_library_init) is never relocated against.
// Debian 12 ships libstdc++ up to GLIBCXX_3.4.30, so the dynamic loader refuses the library. Marking that
// version requirement weak (VER_FLG_WEAK in .gnu.version_r) lets the loader accept it, which is exactly
// what the requirement would mean had the linker known the symbol is optional.
using System;
using System.IO;
using System.Text;
using Microsoft.Build.Framework;
using Microsoft.Build.Utilities;

public sealed class WeakenGlibcxxRequirement : Task
{
    private const string Version = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;

    private static readonly string[] SystemLibstdcxxCandidates =
    {
        "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6",
        "/lib64/libstdc++.so.6",
        "/usr/lib/libstdc++.so.6",
    };

    [Required]
    public string Library { get; set; } = "";

    public override bool Execute()
    {
        if (!File.Exists(Library))
        {
            return true;
        }
        if (SystemProvidesVersion())
        {
            Log.LogMessage(MessageImportance.Low, $"System libstdc++ provides {Version}; {Library} left as it is.");
            return true;
        }
        try
        {
            var bytes = File.ReadAllBytes(Library);
            var outcome = Weaken(bytes);
            if (outcome == "patched")
            {
                var temp = Library + ".weakening";
                File.WriteAllBytes(temp, bytes);
                File.Delete(Library);
                File.Move(temp, Library);
                Log.LogMessage(MessageImportance.High, $"SharpSpeed: marked {Version} weak in {Library}");
            }
            else
            {
                Log.LogMessage(MessageImportance.Low, $"SharpSpeed: {Library}: {outcome}");
            }
            return true;
        }
        catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
        {
            Log.LogError($"SharpSpeed: cannot weaken {Version} in {Library}: {e.Message}");
            return false;
        }
    }

    private static bool SystemProvidesVersion()
    {
        var needle = Encoding.ASCII.GetBytes(Version + "\0");
        foreach (var candidate in SystemLibstdcxxCandidates)
        {
            if (File.Exists(candidate) && Contains(File.ReadAllBytes(candidate), needle))
            {
                return true;
            }
        }
        return false;
    }

    private static bool Contains(byte[] haystack, byte[] needle)
    {
        for (var i = 0; i + needle.Length <= haystack.Length; i++)
        {
            var j = 0;
            while (j < needle.Length && haystack[i + j] == needle[j])
            {
                j++;
            }
            if (j == needle.Length)
            {
                return true;
            }
        }
        return false;
    }

    /// <summary>Sets VER_FLG_WEAK on the GLIBCXX_3.4.32 entry; returns "patched", "already weak" or "no requirement".</summary>
    private static string Weaken(byte[] elf)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F')
        {
            throw new InvalidDataException("not an ELF file");
        }
        if (elf[4] != 2 || elf[5] != 1)
        {
            throw new InvalidDataException("not a 64-bit little-endian ELF file");
        }
        var sectionTable = ReadU64(elf, 0x28);
        int sectionSize = ReadU16(elf, 0x3A);
        int sectionCount = ReadU16(elf, 0x3C);
        if (sectionSize < 64 || sectionTable + (ulong)sectionSize * (ulong)sectionCount > (ulong)elf.Length)
        {
            throw new InvalidDataException("section header table out of bounds");
        }
        for (var i = 0; i < sectionCount; i++)
        {
            var header = (int)sectionTable + i * sectionSize;
            if (ReadU32(elf, header + 4) != ShtGnuVerneed)
            {
                continue;
            }
            var offset = ReadU64(elf, header + 0x18);
            var size = ReadU64(elf, header + 0x20);
            var link = ReadU32(elf, header + 0x28);
            if (offset + size > (ulong)elf.Length || link >= sectionCount)
            {
                throw new InvalidDataException(".gnu.version_r out of bounds");
            }
            var strings = (int)sectionTable + (int)link * sectionSize;
            var stringsOffset = ReadU64(elf, strings + 0x18);
            var stringsSize = ReadU64(elf, strings + 0x20);
            if (stringsOffset + stringsSize > (ulong)elf.Length)
            {
                throw new InvalidDataException("dynamic string table out of bounds");
            }
            return WeakenInVerneed(elf, (int)offset, (int)size, (int)stringsOffset, (int)stringsSize);
        }
        return "no requirement";
    }

    private static string WeakenInVerneed(byte[] elf, int start, int size, int strings, int stringsSize)
    {
        var need = start;
        for (var guard = 0; guard < 4096; guard++)
        {
            if (need < start || need + 16 > start + size)
            {
                throw new InvalidDataException("verneed entry out of bounds");
            }
            int auxCount = ReadU16(elf, need + 2);
            var aux = need + (int)ReadU32(elf, need + 8);
            for (var j = 0; j < auxCount; j++)
            {
                if (aux < start || aux + 16 > start + size)
                {
                    throw new InvalidDataException("vernaux entry out of bounds");
                }
                var name = ReadU32(elf, aux + 8);
                if (name < stringsSize && NameAt(elf, strings + (int)name, strings + stringsSize) == Version)
                {
                    var flags = ReadU16(elf, aux + 4);
                    if ((flags & VerFlagWeak) != 0)
                    {
                        return "already weak";
                    }
                    var weak = (ushort)(flags | VerFlagWeak);
                    elf[aux + 4] = (byte)weak;
                    elf[aux + 5] = (byte)(weak >> 8);
                    return "patched";
                }
                aux += (int)ReadU32(elf, aux + 12);
            }
            var next = ReadU32(elf, need + 12);
            if (next == 0)
            {
                return "no requirement";
            }
            need += (int)next;
        }
        throw new InvalidDataException("verneed chain does not end");
    }

    private static string NameAt(byte[] elf, int from, int end)
    {
        var stop = from;
        while (stop < end && elf[stop] != 0)
        {
            stop++;
        }
        return Encoding.ASCII.GetString(elf, from, stop - from);
    }

    private static ushort ReadU16(byte[] b, int at) => (ushort)(b[at] | b[at + 1] << 8);

    private static uint ReadU32(byte[] b, int at) => BitConverter.ToUInt32(b, at);

    private static ulong ReadU64(byte[] b, int at) => BitConverter.ToUInt64(b, at);
}
