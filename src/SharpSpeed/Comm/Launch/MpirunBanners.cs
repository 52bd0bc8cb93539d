namespace SharpSpeed.Comm.Launch;

/// <summary>
/// Holds back OpenMPI's boxed help text (paragraphs between two rules of 74 dashes) and its "N more processes have
/// sent help message" lines, which repeat in a dozen lines what launch says in one. Each box is kept as its first
/// paragraph on one line, for when no rank was named. One instance per stream, since stdout and stderr interleave.
/// </summary>
public sealed class MpirunBanners
{
    private const string Rule = "--------------------------------------------------------------------------";

    private List<string>? _box;
    private readonly List<string> _gists = [];

    /// <summary>Each closed box's first paragraph, one line each, in order.</summary>
    public IReadOnlyList<string> Gists => _gists;

    /// <summary>Whether the line is part of a banner (and so not to be relayed).</summary>
    public bool Hides(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (line.TrimEnd() == Rule)
        {
            if (_box is null)
            {
                _box = [];
            }
            else
            {
                var paragraph = _box.SkipWhile(string.IsNullOrWhiteSpace).TakeWhile(l => !string.IsNullOrWhiteSpace(l));
                var gist = string.Join(' ', paragraph.Select(l => l.Trim()));
                if (gist.Length > 0)
                {
                    _gists.Add(gist);
                }
                _box = null;
            }
            return true;
        }
        if (_box is not null)
        {
            _box.Add(line);
            return true;
        }
        // "[host:12345] 1 more process has sent help message help-mpi-api.txt / mpi-abort" and the MCA hint after it.
        return line.StartsWith('[') && (line.Contains("sent help message", StringComparison.Ordinal)
                                        || line.Contains("orte_base_help_aggregate", StringComparison.Ordinal));
    }

    /// <summary>Lines of a box that never closed (mpirun cut off): relayed at the end rather than lost.</summary>
    public IReadOnlyList<string> Unclosed() => _box is null ? [] : [Rule, .. _box];
}
