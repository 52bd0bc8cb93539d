namespace SharpSpeed.Data.Oasst;

/// <summary>
/// One message of a flat oasst1 export (messages JSONL or the HF parquet), with its tree id and, where the
/// export has it, the tree state. <paramref name="File"/> and <paramref name="Line"/> locate it for errors
/// (the row number for parquet).
/// </summary>
public sealed record OasstMessageRow(OasstMessage Message, string MessageTreeId, string? TreeState, string File, long Line);
