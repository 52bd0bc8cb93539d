using System.Globalization;
using SharpSpeed.Engine.Config;
using TorchSharp.Modules;

namespace SharpSpeed.Training.Reporting;

/// <summary>
/// DeepSpeed's monitors as its config names them: the <c>tensorboard</c> and <c>csv_monitor</c> sections get DeepSpeed's
/// scalars (Train/Samples/train_loss, lr, loss_scale under fp16, and the elapsed_time_ms_* split under
/// wall_clock_breakdown), every optimizer step, against the global sample count, in output_path/job_name.
/// Rank 0 only, as in DeepSpeed. CSV files follow DeepSpeed's csvMonitor: one file per scalar, named after the tag
/// with '/' and ' ' made '_', a "step,&lt;last tag segment&gt;" header, then "step,value" rows. Both are written
/// through at every event (TorchSharp's SummaryWriter writes each event as it comes), so nothing needs closing.
/// </summary>
public sealed class DeepSpeedMonitors
{
    public const string LossTag = "Train/Samples/train_loss";
    public const string LearningRateTag = "Train/Samples/lr";
    public const string LossScaleTag = "Train/Samples/loss_scale";
    public const string ForwardTag = "Train/Samples/elapsed_time_ms_forward";
    public const string BackwardTag = "Train/Samples/elapsed_time_ms_backward";
    public const string StepTag = "Train/Samples/elapsed_time_ms_step";

    private readonly SummaryWriter? _tensorBoard;
    private readonly string? _csvDirectory;
    private readonly HashSet<string> _csvFiles = new(StringComparer.Ordinal);
    private readonly bool _wallClock;

    private DeepSpeedMonitors(MonitorConfig? tensorBoard, MonitorConfig? csv, bool wallClock)
    {
        if (tensorBoard is not null)
        {
            Directory.CreateDirectory(tensorBoard.Directory);
            _tensorBoard = TorchSharp.torch.utils.tensorboard.SummaryWriter(tensorBoard.Directory, createRunName: false);
        }
        if (csv is not null)
        {
            Directory.CreateDirectory(csv.Directory);
            _csvDirectory = csv.Directory;
        }
        _wallClock = wallClock;
    }

    /// <summary>Null when the config enables no monitor.</summary>
    public static DeepSpeedMonitors? Open(DeepSpeedConfig? config) =>
        config is { TensorBoard: not null } or { CsvMonitor: not null }
            ? new DeepSpeedMonitors(config.TensorBoard, config.CsvMonitor, config.WallClockBreakdown)
            : null;

    /// <param name="samples">Samples trained so far (steps × train_batch_size), DeepSpeed's global_samples.</param>
    public void Write(long samples, double loss, double learningRate, double? lossScale, StepTimes times)
    {
        Scalar(LossTag, loss, samples);
        Scalar(LearningRateTag, learningRate, samples);
        if (lossScale is { } scale)
        {
            Scalar(LossScaleTag, scale, samples);
        }
        if (_wallClock)
        {
            Scalar(ForwardTag, times.ForwardMs, samples);
            Scalar(BackwardTag, times.BackwardMs, samples);
            Scalar(StepTag, times.StepMs, samples);
        }
    }

    private void Scalar(string tag, double value, long step)
    {
        _tensorBoard?.add_scalar(tag, (float)value, checked((int)step));
        if (_csvDirectory is null)
        {
            return;
        }
        var name = tag.Replace('/', '_').Replace(' ', '_');
        var path = Path.Combine(_csvDirectory, name + ".csv");
        var header = _csvFiles.Add(name) ? $"step,{tag[(tag.LastIndexOf('/') + 1)..]}\n" : "";
        File.AppendAllText(path, header + string.Create(CultureInfo.InvariantCulture, $"{step},{value:R}\n"));
    }
}

/// <summary>This rank's milliseconds in forward, backward and the optimizer step.</summary>
public readonly record struct StepTimes(double ForwardMs, double BackwardMs, double StepMs);
