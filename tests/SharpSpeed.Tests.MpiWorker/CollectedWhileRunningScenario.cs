using SharpSpeed.Training;

namespace SharpSpeed.Tests.MpiWorker;

/// <summary>
/// A short ZeRO-2 training run (accumulation, evaluation, checkpoint, answer scoring by greedy generation) while a
/// second thread collects garbage and runs finalizers without pause. TorchSharp frees a Scalar or Tensor from its
/// finalizer; one that only the collector owns while libtorch still reads it is freed under libtorch's feet. Under
/// this pressure such a hand-over fails within a few thousand operations, where a normal run meets it once in hundreds.
/// </summary>
internal static class CollectedWhileRunningScenario
{
    public static int Run(string outputDirectory, string modelFolder, string deepSpeedConfig, bool quantizedAdapters)
    {
        var running = true;
        var collections = 0;
        var collector = new Thread(() =>
        {
            while (Volatile.Read(ref running))
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
                collections++;
            }
        }) { IsBackground = true, Name = "collector" };
        collector.Start();
        var arguments = new TrainingArguments
        {
            ModelNameOrPath = modelFolder, OutputDir = Path.Combine(outputDirectory, "run"), MaxSteps = 3,
            PerDeviceTrainBatchSize = 2, GradientAccumulationSteps = 2, LearningRate = 3e-3, MaxSeqLength = 64,
            LoggingSteps = 1, SaveSteps = 2, EvalSteps = 2, ReportTo = "none", Seed = 5, Deepspeed = deepSpeedConfig,
        };
        if (quantizedAdapters)
        {
            arguments = arguments with
            {
                Bf16 = true, GradientCheckpointing = true, LoraR = 4, LoraTargetModules = "all-linear", Bits = 4, DoubleQuant = true,
            };
        }
        var outcome = new Trainer(arguments, new HashSet<string>(), Console.Out, interactive: false).Run();
        Volatile.Write(ref running, false);
        collector.Join();
        Console.WriteLine($"{collections} collections during the run; last loss {outcome.Summary.LastLoss:F4}");
        return 0;
    }
}
