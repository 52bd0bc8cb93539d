namespace SharpSpeed.Data.Tokenization;

/// <summary>
/// Per-thread lists reused across pieces, so that splitting text allocates only the pieces themselves
/// (encoding is called from many threads at once by EncodeBatch).
/// </summary>
internal static class ScratchLists
{
    [ThreadStatic]
    private static List<(int Start, int End)>? t_matches;

    [ThreadStatic]
    private static Stack<List<Piece>>? t_pieceLists;

    /// <summary>This thread's empty match list; valid until the next call on the same thread.</summary>
    public static List<(int Start, int End)> Matches()
    {
        var matches = t_matches ??= [];
        matches.Clear();
        return matches;
    }

    /// <summary>An empty piece list for this thread; nested callers each get their own until they return it.</summary>
    public static List<Piece> RentPieces()
    {
        var pool = t_pieceLists ??= new Stack<List<Piece>>();
        return pool.Count > 0 ? pool.Pop() : [];
    }

    public static void Return(List<Piece> pieces)
    {
        pieces.Clear();
        (t_pieceLists ??= new Stack<List<Piece>>()).Push(pieces);
    }
}
