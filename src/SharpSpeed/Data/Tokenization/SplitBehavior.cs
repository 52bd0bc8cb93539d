namespace SharpSpeed.Data.Tokenization;

/// <summary>What HF does with the matched delimiters when it splits a piece (SplitDelimiterBehavior).</summary>
internal enum SplitBehavior
{
    Removed,
    Isolated,
    MergedWithPrevious,
    MergedWithNext,
    Contiguous,
}

internal static class SplitBehaviors
{
    public static SplitBehavior Parse(JsonSection section, string key) => section.RequiredString(key) switch
    {
        "Removed" => SplitBehavior.Removed,
        "Isolated" => SplitBehavior.Isolated,
        "MergedWithPrevious" => SplitBehavior.MergedWithPrevious,
        "MergedWithNext" => SplitBehavior.MergedWithNext,
        "Contiguous" => SplitBehavior.Contiguous,
        var other => throw section.Child(key).Error($"has unknown split behavior '{other}'"),
    };

    /// <summary>
    /// Splits <paramref name="piece"/> given the (start, end) matches inside it, as HF's NormalizedString.split
    /// does: the text is cut into alternating gaps and matches (flipped with <paramref name="invert"/>), the
    /// behavior decides where matches go, and empty pieces are dropped.
    /// </summary>
    public static void Apply(Piece piece, List<(int Start, int End)> matches, SplitBehavior behavior, bool invert,
        List<Piece> output)
    {
        var text = piece.Text;
        if (behavior == SplitBehavior.Isolated)
        {
            // Every gap and every match becomes a piece: no need to build the segment list.
            var previousEnd = 0;
            foreach (var (start, end) in matches)
            {
                Emit(piece, previousEnd, start, output);
                Emit(piece, start, end, output);
                previousEnd = end;
            }
            Emit(piece, previousEnd, text.Length, output);
            return;
        }
        var segments = new List<(int Start, int End, bool IsMatch)>(matches.Count * 2 + 1);
        var previous = 0;
        foreach (var (start, end) in matches)
        {
            if (previous != start)
            {
                segments.Add((previous, start, invert));
            }
            segments.Add((start, end, !invert));
            previous = end;
        }
        if (previous != text.Length)
        {
            segments.Add((previous, text.Length, invert));
        }
        foreach (var (start, end) in Arrange(segments, behavior))
        {
            Emit(piece, start, end, output);
        }
    }

    private static void Emit(Piece piece, int start, int end, List<Piece> output)
    {
        if (end > start)
        {
            var text = piece.Text;
            output.Add(new Piece(start == 0 && end == text.Length ? text : text[start..end], piece.AtStart && start == 0));
        }
    }

    private static List<(int Start, int End)> Arrange(List<(int Start, int End, bool IsMatch)> segments, SplitBehavior behavior)
    {
        var result = new List<(int Start, int End)>(segments.Count);
        var previousWasMatch = false;
        switch (behavior)
        {
            case SplitBehavior.Isolated:
                result.AddRange(segments.Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.Removed:
                result.AddRange(segments.Where(s => !s.IsMatch).Select(s => (s.Start, s.End)));
                break;
            case SplitBehavior.MergedWithPrevious:
                foreach (var (start, end, isMatch) in segments)
                {
                    if (isMatch && !previousWasMatch && result.Count > 0)
                    {
                        result[^1] = (result[^1].Start, end);
                    }
                    else
                    {
                        result.Add((start, end));
                    }
                    previousWasMatch = isMatch;
                }
                break;
            case SplitBehavior.MergedWithNext:
                for (var i = segments.Count - 1; i >= 0; i--)
                {
                    var (start, end, isMatch) = segments[i];
                    if (isMatch && !previousWasMatch && result.Count > 0)
                    {
                        result[^1] = (start, result[^1].End);
                    }
                    else
                    {
                        result.Add((start, end));
                    }
                    previousWasMatch = isMatch;
                }
                result.Reverse();
                break;
            case SplitBehavior.Contiguous:
                foreach (var (start, end, isMatch) in segments)
                {
                    if (isMatch == previousWasMatch && result.Count > 0)
                    {
                        result[^1] = (result[^1].Start, end);
                    }
                    else
                    {
                        result.Add((start, end));
                    }
                    previousWasMatch = isMatch;
                }
                break;
        }
        return result;
    }
}
