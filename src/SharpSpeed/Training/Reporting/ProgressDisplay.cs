using System.Diagnostics;
using System.Globalization;

namespace SharpSpeed.Training.Reporting;

/// <summary>
/// What a user watches: on a terminal, one redrawn progress line (step, epoch, loss, lr, tokens/s, ETA);
/// when stderr is a file or pipe, plain log lines at each logging step instead.
/// </summary>
public sealed class ProgressDisplay
{
    private readonly TextWriter _error;
    private readonly bool _interactive;
    private readonly long _totalSteps;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly long _firstStep;

    public ProgressDisplay(TextWriter error, bool interactive, long totalSteps, long firstStep)
    {
        _error = error;
        _interactive = interactive;
        _totalSteps = totalSteps;
        _firstStep = firstStep;
    }

    public void Update(StepMetrics metrics, bool logged)
    {
        if (!_interactive && !logged)
        {
            return;
        }
        var done = metrics.Step - _firstStep;
        var remaining = _totalSteps - metrics.Step;
        var eta = done > 0 ? TimeSpan.FromSeconds(_clock.Elapsed.TotalSeconds / done * remaining) : TimeSpan.Zero;
        var width = 24;
        var filled = (int)Math.Round(width * (double)metrics.Step / Math.Max(1, _totalSteps));
        var bar = new string('#', filled) + new string('.', width - filled);
        var line = string.Create(CultureInfo.InvariantCulture,
            $"step {metrics.Step}/{_totalSteps} epoch {metrics.Epoch:F2} loss {metrics.Loss:F4} lr {metrics.LearningRate:E2} " +
            $"grad_norm {metrics.GradNorm:F3} tok/s {metrics.TokensPerSecond:F0} eta {eta:hh\\:mm\\:ss}");
        if (_interactive)
        {
            _error.Write($"\r[{bar}] {line}\u001b[K");
            if (logged)
            {
                _error.WriteLine();
            }
        }
        else
        {
            _error.WriteLine(line);
        }
    }

    public void Message(string text)
    {
        if (_interactive)
        {
            _error.Write("\r\u001b[K");
        }
        _error.WriteLine(text);
    }
}
