using System.Globalization;
using System.Numerics;

namespace SharpSpeed.Engine.Precision;

/// <summary>The dynamic scaler's settings, named as DeepSpeed's dynamic_loss_args.</summary>
/// <param name="InitScale">2^initial_scale_power.</param>
/// <param name="ScaleWindow">loss_scale_window: steps without overflow before the scale doubles.</param>
/// <param name="MinScale">min_loss_scale.</param>
/// <param name="DelayedShift">hysteresis: overflows tolerated before the scale halves.</param>
/// <param name="ConsecutiveHysteresis">Refill the hysteresis after every step without overflow.</param>
public sealed record DynamicLossScalerOptions(
    double InitScale = 65536,
    int ScaleWindow = 1000,
    double MinScale = 1,
    int DelayedShift = 2,
    bool ConsecutiveHysteresis = false,
    bool RaiseErrorAtMinScale = true);

/// <summary>
/// DeepSpeed's DynamicLossScaler (runtime/fp16/loss_scaler.py), step for step: on overflow the hysteresis counter drops
/// until it reaches 1, after which every overflow halves the scale (not below min_scale; at min_scale an overflow ends
/// the run); after scale_window steps without overflow the scale doubles and the hysteresis refills. Rank 0 logs
/// DeepSpeed's lines.
/// </summary>
public sealed class DynamicLossScaler : ILossScaler
{
    private const double ScaleFactor = 2.0;
    private readonly DynamicLossScalerOptions _options;
    private readonly int _rank;
    private readonly Action<string>? _log;

    public DynamicLossScaler(DynamicLossScalerOptions options, int rank = 0, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!(options.InitScale > 0) || !double.IsFinite(options.InitScale) || !(options.MinScale > 0) || !double.IsFinite(options.MinScale))
        {
            throw new ArgumentException($"loss scales must be finite and > 0: init {options.InitScale}, min {options.MinScale}");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.ScaleWindow);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.DelayedShift);
        _options = options;
        _rank = rank;
        _log = log;
        LossScale = options.InitScale;
        CurHysteresis = options.DelayedShift;
    }

    public double LossScale { get; private set; }

    public bool IsDynamic => true;

    public long CurIter { get; private set; }

    public long LastOverflowIter { get; private set; } = -1;

    public int CurHysteresis { get; private set; }

    public void UpdateScale(bool overflow)
    {
        if (overflow)
        {
            if (_options.DelayedShift == 1 || CurHysteresis == 1)
            {
                if (LossScale == _options.MinScale && _options.RaiseErrorAtMinScale)
                {
                    throw new LossScaleAtMinimumException();
                }
                var next = Math.Max(LossScale / ScaleFactor, _options.MinScale);
                Log($"[deepspeed] OVERFLOW! Rank {_rank} Skipping step. Attempted loss scale: {AsInt(LossScale)}, reducing to {AsInt(next)}");
                LossScale = next;
            }
            else
            {
                Log($"[deepspeed] OVERFLOW! Rank {_rank} Skipping step. Attempted loss scale: {AsInt(LossScale)}, " +
                    $"but hysteresis is {CurHysteresis}. Reducing hysteresis to {CurHysteresis - 1}");
                CurHysteresis--;
            }
            LastOverflowIter = CurIter;
        }
        else
        {
            if (_options.ConsecutiveHysteresis)
            {
                Log($"Consecutive hysteresis is enabled. Restoring hysteresis to {_options.DelayedShift}");
                CurHysteresis = _options.DelayedShift;
            }
            var stableInterval = CurIter - LastOverflowIter - 1;
            if (stableInterval > 0 && stableInterval % _options.ScaleWindow == 0)
            {
                if (!_options.ConsecutiveHysteresis)
                {
                    CurHysteresis = _options.DelayedShift;
                }
                LossScale *= ScaleFactor;
            }
        }
        CurIter++;
    }

    public LossScalerState State => new(LossScale, CurIter, LastOverflowIter, CurHysteresis);

    public void Restore(LossScalerState state)
    {
        ArgumentNullException.ThrowIfNull(state);
        LossScale = state.CurScale;
        CurIter = state.CurIter;
        LastOverflowIter = state.LastOverflowIter;
        CurHysteresis = state.CurHysteresis;
    }

    private void Log(string message)
    {
        // DeepSpeed logs these from rank 0 only.
        if (_rank == 0)
        {
            _log?.Invoke(message);
        }
    }

    /// <summary>Python's int(float): truncation, printed in full however large.</summary>
    private static string AsInt(double value) => new BigInteger(Math.Truncate(value)).ToString(CultureInfo.InvariantCulture);
}
