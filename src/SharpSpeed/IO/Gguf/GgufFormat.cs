namespace SharpSpeed.IO.Gguf;

/// <summary>Constants of the GGUF v3 container as ggml's gguf.h and docs/gguf.md define it.</summary>
public static class GgufFormat
{
    /// <summary>"GGUF" read as a little-endian uint32.</summary>
    public const uint Magic = 0x46554747;
    public const uint Version = 3;
    public const uint DefaultAlignment = 32;
    public const string AlignmentKey = "general.alignment";
    /// <summary>ggml's GGML_MAX_DIMS.</summary>
    public const int MaxDimensions = 4;

    public static long AlignUp(long offset, long alignment) => (offset + alignment - 1) / alignment * alignment;
}
