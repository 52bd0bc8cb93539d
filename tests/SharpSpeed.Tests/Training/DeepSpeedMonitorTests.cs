using System.Globalization;
using System.Text;
using SharpSpeed.Training;
using SharpSpeed.Training.Reporting;

namespace SharpSpeed.Tests.Training;

/// <summary>
/// A run with a DeepSpeed config whose monitors, steps_per_print and wall_clock_breakdown act: the TensorBoard events
/// and CSV files are read back where the config says, by readers independent of the writers.
/// </summary>
public sealed class DeepSpeedMonitorTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("sharpspeed-monitors-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void Crc32CMatchesTheCastagnoliCheckValue()
    {
        // CRC-32C("123456789") = 0xE3069283 (RFC 3720 / the CRC catalogue); masked as TFRecord masks it.
        var crc = 0xE3069283u;
        Assert.Equal(unchecked(((crc >> 15) | (crc << 17)) + 0xa282ead8u),
            TensorBoardEventReader.MaskedCrc32C("123456789"u8));
    }

    [Fact]
    public void MonitorsWriteWhereTheConfigSaysAndStepsPerPrintSetsTheLogInterval()
    {
        var tensorBoard = Path.Combine(_root, "ds_logs");
        var config = Path.Combine(_root, "ds.json");
        File.WriteAllText(config, $$"""
            {
              "zero_optimization": { "stage": 2, "contiguous_gradients": true },
              "steps_per_print": 2,
              "wall_clock_breakdown": true,
              "tensorboard": { "enabled": true, "output_path": "{{tensorBoard}}", "job_name": "tiny_sft" },
              "csv_monitor": { "enabled": true, "output_path": "{{Path.Combine(_root, "csv")}}" },
              "flops_profiler": { "enabled": true, "profile_step": 1 }
            }
            """);
        var args = new TrainingArguments
        {
            ModelNameOrPath = SmallTrainingModel.Folder,
            OutputDir = Path.Combine(_root, "run"),
            MaxSteps = 4,
            PerDeviceTrainBatchSize = 2,
            GradientAccumulationSteps = 2,
            LearningRate = 1e-3,
            LrSchedulerType = "linear",
            MaxSeqLength = 64,
            SaveSteps = 0,
            ReportTo = "none",
            Deepspeed = config,
        };
        var log = new StringWriter();
        HashSet<string> given = ["per_device_train_batch_size", "gradient_accumulation_steps", "deepspeed", "max_steps"];
        new Trainer(args, given, log, interactive: false).Run();
        var lines = log.ToString().Split('\n');

        Assert.Contains(lines, l => l.Contains("batch keys not in the file: train_micro_batch_size_per_gpu=2", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("flops_profiler: no effect in SharpSpeed (", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("zero_optimization.contiguous_gradients: no effect in SharpSpeed (", StringComparison.Ordinal));
        // steps_per_print 2 without --logging_steps: log lines (and their time split) at steps 2 and 4 only.
        var metrics = MetricsLog.Read(Path.Combine(args.OutputDir, "metrics.jsonl"));
        Assert.Equal([2L, 4L], metrics.Select(m => m.Step));
        Assert.Equal(2, lines.Count(l => l.Contains("time (ms) | forward: ", StringComparison.Ordinal)));

        // TensorBoard: output_path/job_name, DeepSpeed's tags, one event per optimizer step at global samples 4, 8, 12, 16.
        var eventFile = Assert.Single(Directory.GetFiles(Path.Combine(tensorBoard, "tiny_sft"), "events.out.tfevents.*"));
        var events = TensorBoardEventReader.Read(eventFile);
        Assert.Equal("brain.Event:2", events.FileVersion);
        long[] samples = [4, 8, 12, 16];
        foreach (var tag in new[] { DeepSpeedMonitors.LossTag, DeepSpeedMonitors.LearningRateTag, DeepSpeedMonitors.ForwardTag,
                                    DeepSpeedMonitors.BackwardTag, DeepSpeedMonitors.StepTag })
        {
            Assert.Equal(samples, events.Scalars.Where(s => s.Tag == tag).Select(s => s.Step));
        }
        Assert.DoesNotContain(events.Scalars, s => s.Tag == DeepSpeedMonitors.LossScaleTag); // fp32 run
        // The learning rate at steps 2 and 4 is the one metrics.jsonl logged (float32 rounding of the event).
        var lr = events.Scalars.Where(s => s.Tag == DeepSpeedMonitors.LearningRateTag).ToList();
        Assert.Equal((float)metrics[0].LearningRate, lr[1].Value);
        Assert.Equal((float)metrics[1].LearningRate, lr[3].Value);

        // CSV: DeepSpeedJobName under its output_path, one file per tag, header then step,value; same values as the events.
        var csv = File.ReadAllLines(Path.Combine(_root, "csv", "DeepSpeedJobName", "Train_Samples_train_loss.csv"), Encoding.UTF8);
        Assert.Equal("step,train_loss", csv[0]);
        var rows = csv.Skip(1).Select(r => r.Split(',')).ToList();
        Assert.Equal(samples, rows.Select(r => long.Parse(r[0], CultureInfo.InvariantCulture)));
        var tensorBoardLoss = events.Scalars.Where(s => s.Tag == DeepSpeedMonitors.LossTag).Select(s => s.Value).ToList();
        Assert.Equal(tensorBoardLoss, rows.Select(r => (float)double.Parse(r[1], CultureInfo.InvariantCulture)));
        Assert.All(tensorBoardLoss, l => Assert.InRange(l, 1f, 20f));
    }
}
