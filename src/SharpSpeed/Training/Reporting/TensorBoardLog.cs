using TorchSharp.Modules;

namespace SharpSpeed.Training.Reporting;

/// <summary>TensorBoard event files in output_dir/runs, with HF Trainer's tag names (train/loss, ...).</summary>
public sealed class TensorBoardLog
{
    private readonly SummaryWriter _writer;

    public TensorBoardLog(string directory)
    {
        Directory.CreateDirectory(directory);
        _writer = TorchSharp.torch.utils.tensorboard.SummaryWriter(directory, createRunName: false);
    }

    public void Write(StepMetrics metrics)
    {
        var step = checked((int)metrics.Step);
        _writer.add_scalar("train/loss", (float)metrics.Loss, step);
        _writer.add_scalar("train/learning_rate", (float)metrics.LearningRate, step);
        _writer.add_scalar("train/grad_norm", (float)metrics.GradNorm, step);
        _writer.add_scalar("train/tokens_per_s", (float)metrics.TokensPerSecond, step);
        if (metrics.LossScale is { } scale)
        {
            _writer.add_scalar("train/loss_scale", (float)scale, step);
        }
    }

    public void WriteEval(long step, double loss, double perplexity)
    {
        _writer.add_scalar("eval/loss", (float)loss, checked((int)step));
        _writer.add_scalar("eval/perplexity", (float)perplexity, checked((int)step));
    }
}
